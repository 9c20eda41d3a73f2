import { createServer, type Server } from 'node:http';
import { metricsRegistry } from '../lib/metrics.js';

/**
 * GET /health (200 healthy, 503 not, with the details as JSON) and GET /metrics (Prometheus) for a
 * process that has no API of its own: a processor or a sink run as a service, where an
 * orchestrator's healthcheck and a metrics scraper need something to ask. Loopback only: it has
 * no authentication, and a container's healthcheck runs inside the container.
 */
export async function serveHealth(port: number, status: () => { healthy: boolean }): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.url === '/health') {
      const current = status();
      res.writeHead(current.healthy ? 200 : 503, { 'content-type': 'application/json' });
      res.end(JSON.stringify(current));
      return;
    }
    if (req.url === '/metrics') {
      metricsRegistry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': metricsRegistry.contentType });
          res.end(text);
        },
        (err: Error) => {
          res.writeHead(500);
          res.end(err.message);
        },
      );
      return;
    }
    res.writeHead(404);
    res.end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return server;
}
