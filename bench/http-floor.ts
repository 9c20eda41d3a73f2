/**
 * The floor under bench/api.ts: Fastify alone on the same route, answering every id with one
 * fixed feature record (read from stdin) serialized through the same response schema — no
 * Redis, no hooks, no security headers, no metrics, no logging. What the API costs above this is
 * what its own work costs; what this costs is Node's HTTP server, Fastify and the kernel's
 * sockets on the machine at hand.
 *
 *   node --import tsx bench/http-floor.ts <port> < record.json     (prints "listening" when ready)
 */
import Fastify from 'fastify';
import { UserFeaturesSchema } from '../api/http-schemas/features.js';

async function main(): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const record = JSON.parse(Buffer.concat(chunks).toString()) as unknown;
  const app = Fastify({ logger: false });
  app.get(
    '/v1/features/users/:id',
    { schema: { response: { 200: UserFeaturesSchema } } },
    async () => record,
  );
  await app.listen({ port: Number(process.argv[2]), host: '127.0.0.1' });
  process.stdout.write('listening\n');
  process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
