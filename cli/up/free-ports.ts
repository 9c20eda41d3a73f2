import net from 'node:net';

/** A port `recostream up` is about to listen on, and the flag that moves it. */
export interface WantedPort {
  what: string;
  port: number;
  host: string;
  flag: string;
}

/** Whether `port` is taken at `host` right now (any other bind error is left to the part itself). */
function taken(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.unref();
    probe.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'EADDRINUSE'));
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve(false)));
  });
}

/**
 * The first of `wanted` whose port is taken, or null. Checked before anything starts: a taken API
 * port found only when the API starts would have started (and then stopped) everything else first.
 * Port 0 (any free port) is never taken.
 */
export async function firstTakenPort(wanted: readonly WantedPort[]): Promise<WantedPort | null> {
  for (const w of wanted) {
    if (w.port !== 0 && (await taken(w.port, w.host))) return w;
  }
  return null;
}
