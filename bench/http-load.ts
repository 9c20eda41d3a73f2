/**
 * A closed-loop HTTP/1.1 load generator for bench/api.ts, run as its own process so the client
 * does not share an event loop (or a core's worth of CPU) with what it measures.
 *
 *   node --import tsx bench/http-load.ts < spec.json   -> JSON lines on stdout: {"measuring":true}
 *                                                         when the warm-up ends, then the LoadResult
 *
 * `connections` keep-alive connections, each with one request in flight: send, read the whole
 * response, record the latency, send the next — what autocannon does without pipelining. Requests
 * are written as prebuilt bytes and responses framed by their content-length, which keeps the
 * client's own CPU per request a fraction of autocannon's (on a 2-core machine the client's cost
 * comes out of the server's share). Every response is checked: a status other than 2xx, a reset
 * connection or a response without content-length counts as an error.
 *
 * `warmupSeconds` of the same load come first, on the same connections, and are not counted: the
 * client's own code is JIT-compiled by then too (a fresh client's first half second has a p99
 * half as high again as the rest, on a warm server).
 */
import net from 'node:net';

export interface LoadSpec {
  host: string;
  port: number;
  connections: number;
  durationSeconds: number;
  /** Seconds of load before the measured `durationSeconds`, not counted (default 0). */
  warmupSeconds?: number;
  /** GET these paths, each request a random one; or POST `bodies` (random each) to `post`. */
  get?: { paths: string[] };
  post?: { path: string; bodies: string[] };
}

export interface LoadResult {
  requests: number;
  errors: number;
  seconds: number;
  requestsPerSecond: number;
  /** Latency percentiles in ms. */
  p50: number;
  p99: number;
  p999: number;
  max: number;
  /** CPU seconds this process used per second of the measured run. */
  clientCpu: number;
  /** The first error seen, for the report. */
  firstError: string | null;
}

const HEADER_END = Buffer.from('\r\n\r\n');
const CONTENT_LENGTH = /\r\ncontent-length:[ \t]*(\d+)/i;

function requestBytes(spec: LoadSpec): () => Buffer {
  const host = `Host: ${spec.host}:${spec.port}\r\n`;
  if (spec.get) {
    const all = spec.get.paths.map((p) => Buffer.from(`GET ${p} HTTP/1.1\r\n${host}\r\n`, 'latin1'));
    return () => all[Math.floor(Math.random() * all.length)]!;
  }
  if (spec.post) {
    const { path } = spec.post;
    const all = spec.post.bodies.map((body) =>
      Buffer.from(
        `POST ${path} HTTP/1.1\r\n${host}content-type: application/json\r\n` +
          `content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      ),
    );
    return () => all[Math.floor(Math.random() * all.length)]!;
  }
  throw new Error('LoadSpec needs get or post');
}

/** `onMeasuring` is called when the warm-up ends and the measured run begins. */
export async function runLoad(spec: LoadSpec, onMeasuring: () => void = () => {}): Promise<LoadResult> {
  const next = requestBytes(spec);
  let latencies = new Float64Array(1 << 20);
  let count = 0;
  let errors = 0;
  let firstError: string | null = null;
  const fail = (why: string) => {
    errors++;
    firstError ??= why;
  };
  const record = (ms: number) => {
    if (count === latencies.length) {
      const bigger = new Float64Array(latencies.length * 2);
      bigger.set(latencies);
      latencies = bigger;
    }
    latencies[count++] = ms;
  };

  let cpu0 = process.cpuUsage();
  let started = performance.now();
  const measuringFrom = started + (spec.warmupSeconds ?? 0) * 1000;
  const end = measuringFrom + spec.durationSeconds * 1000;
  let measuring = false;
  const beginMeasuring = () => {
    measuring = true;
    cpu0 = process.cpuUsage();
    started = performance.now();
    onMeasuring();
  };
  if (measuringFrom <= started) beginMeasuring();
  else setTimeout(beginMeasuring, measuringFrom - started);

  const connection = () =>
    new Promise<void>((resolve) => {
      const socket = net.connect({ host: spec.host, port: spec.port, noDelay: true });
      let buffered: Buffer | null = null;
      let sentAt = 0;
      const send = () => {
        if (performance.now() >= end) {
          socket.end();
          return;
        }
        sentAt = performance.now();
        socket.write(next());
      };
      socket.on('connect', send);
      socket.on('data', (chunk: Buffer) => {
        buffered = buffered === null ? chunk : Buffer.concat([buffered, chunk]);
        const headerEnd = buffered.indexOf(HEADER_END);
        if (headerEnd < 0) return;
        const head = buffered.toString('latin1', 0, headerEnd);
        const length = CONTENT_LENGTH.exec(head);
        if (!length) {
          fail(`response without content-length: ${head.split('\r\n')[0]}`);
          socket.destroy();
          return;
        }
        const total = headerEnd + 4 + Number(length[1]);
        if (buffered.length < total) return;
        if (buffered.length > total) {
          fail('more bytes than one response');
          socket.destroy();
          return;
        }
        const status = Number(head.slice(9, 12));
        if (status < 200 || status > 299) fail(`status ${status}`);
        // Only requests sent after the warm-up count.
        else if (measuring && sentAt >= started) record(performance.now() - sentAt);
        buffered = null;
        send();
      });
      socket.on('error', (err) => fail(err.message));
      socket.on('close', () => resolve());
    });

  await Promise.all(Array.from({ length: spec.connections }, connection));
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const sorted = latencies.subarray(0, count).sort();
  const at = (q: number) => (count === 0 ? NaN : sorted[Math.min(count - 1, Math.floor(q * count))]!);
  return {
    requests: count,
    errors,
    seconds,
    requestsPerSecond: count / seconds,
    p50: at(0.5),
    p99: at(0.99),
    p999: at(0.999),
    max: count === 0 ? NaN : sorted[count - 1]!,
    clientCpu: (cpu.user + cpu.system) / 1e6 / seconds,
    firstError,
  };
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  readStdin()
    .then((text) =>
      runLoad(JSON.parse(text) as LoadSpec, () =>
        process.stdout.write(`${JSON.stringify({ measuring: true })}\n`),
      ),
    )
    .then(
      (result) => process.stdout.write(`${JSON.stringify(result)}\n`),
      (err: unknown) => {
        process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
        process.exit(1);
      },
    );
}
