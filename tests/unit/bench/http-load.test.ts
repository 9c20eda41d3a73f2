import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { runLoad } from '../../../bench/http-load.js';

/** A local HTTP server that counts the requests it answered, each with `status`. */
async function countingServer(status: number) {
  let answered = 0;
  const server = http.createServer((req, res) => {
    answered++;
    const body = JSON.stringify({ path: req.url });
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    answered: () => answered,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('bench/http-load', () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });

  it('leaves the warm-up out of the counted requests and signals when measuring begins', async () => {
    const server = await countingServer(200);
    close = server.close;
    let measuringAt: number | null = null;
    let answeredBefore = 0;
    const started = performance.now();
    const result = await runLoad(
      {
        host: '127.0.0.1',
        port: server.port,
        connections: 4,
        warmupSeconds: 0.4,
        durationSeconds: 0.4,
        get: { paths: ['/a', '/b'] },
      },
      () => {
        measuringAt = performance.now() - started;
        answeredBefore = server.answered();
      },
    );
    expect(measuringAt).toBeGreaterThanOrEqual(390);
    expect(answeredBefore).toBeGreaterThan(0);
    expect(result.errors).toBe(0);
    expect(result.requests).toBeGreaterThan(0);
    // Everything the server answered after the warm-up, give or take the requests in flight at
    // the switch (at most one per connection).
    expect(result.requests).toBeLessThanOrEqual(server.answered() - answeredBefore);
    expect(result.requests).toBeGreaterThanOrEqual(server.answered() - answeredBefore - 4);
    expect(result.seconds).toBeGreaterThanOrEqual(0.39);
    expect(result.seconds).toBeLessThan(0.8);
    expect(result.p50).toBeLessThanOrEqual(result.p99);
  });

  it('counts a non-2xx answer as an error with the status', async () => {
    const server = await countingServer(503);
    close = server.close;
    const result = await runLoad({
      host: '127.0.0.1',
      port: server.port,
      connections: 2,
      durationSeconds: 0.2,
      get: { paths: ['/x'] },
    });
    expect(result.requests).toBe(0);
    expect(result.errors).toBe(server.answered());
    expect(result.firstError).toBe('status 503');
  });
});
