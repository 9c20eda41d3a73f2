/**
 * The floor under bench/api.ts: Fastify alone on the same route, answering every id with one
 * fixed feature record (read from stdin) serialized through the same response schema — no
 * Redis, no hooks, no security headers, no metrics, no logging. What the API costs above this is
 * what its own work costs; what this costs is Node's HTTP server, Fastify and the kernel's
 * sockets on the machine at hand.
 *
 *   node --import tsx bench/http-floor.ts <port> [workers] < record.json   (prints "listening" when ready)
 *
 * With `workers` > 1 it runs that many processes sharing the port through node:cluster, as
 * `recostream api --workers` does: the floor of the API in workers.
 */
import cluster from 'node:cluster';
import Fastify from 'fastify';
import { UserFeaturesSchema } from '../api/http-schemas/features.js';

/** The record travels to the workers in the environment: they have no stdin of their own. */
const RECORD_VARIABLE = 'FLOOR_RECORD';

async function serve(port: number, record: unknown): Promise<void> {
  const app = Fastify({ logger: false });
  app.get(
    '/v1/features/users/:id',
    { schema: { response: { 200: UserFeaturesSchema } } },
    async () => record,
  );
  await app.listen({ port, host: '127.0.0.1' });
  process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}

async function main(): Promise<void> {
  const port = Number(process.argv[2]);
  const workers = Number(process.argv[3] ?? 1);
  if (!Number.isInteger(workers) || workers < 1) throw new Error('workers: a whole number >= 1');
  if (cluster.isWorker) {
    await serve(port, JSON.parse(process.env[RECORD_VARIABLE]!) as unknown);
    return;
  }
  const record = await readStdin();
  if (workers === 1) {
    await serve(port, JSON.parse(record) as unknown);
    process.stdout.write('listening\n');
    return;
  }
  let listening = 0;
  cluster.on('listening', () => {
    if (++listening === workers) process.stdout.write('listening\n');
  });
  cluster.on('exit', (worker, code) => {
    if (code !== 0 && !worker.exitedAfterDisconnect) process.exit(1);
  });
  for (let i = 0; i < workers; i++) cluster.fork({ [RECORD_VARIABLE]: record });
  process.once('SIGTERM', () => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.kill('SIGTERM');
    cluster.on('exit', () => {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
    });
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
