import { parseArgs } from 'node:util';
import { createLogger } from '../../lib/logger.js';
import { parseFlushPolicy } from './server/flush-policy.js';
import { runBrokerUntilSignal } from './server/run.js';

/**
 * Stand-alone entry point of the broker, for tests that need it as a separate process (to kill
 * it with SIGKILL): `node --import tsx embedded/kafka/main.ts --data-dir DIR [--port 0]
 * [--host H] [--advertised-host H] [--advertised-port P] [--flush always|interval:MS|never]
 * [--no-auto-create]`. Prints "kafka broker ready on HOST:PORT" when it accepts connections.
 * Environment fallbacks: KAFKA_PORT, DATA_DIR.
 */
const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    host: { type: 'string' },
    'data-dir': { type: 'string' },
    'advertised-host': { type: 'string' },
    'advertised-port': { type: 'string' },
    flush: { type: 'string' },
    'no-auto-create': { type: 'boolean' },
  },
});

const dataDir = values['data-dir'] ?? process.env.DATA_DIR;
if (!dataDir) {
  process.stderr.write('--data-dir (or DATA_DIR) is required\n');
  process.exit(2);
}
const logger = createLogger('kafka-broker');
await runBrokerUntilSignal({
  dataDir,
  port: Number(values.port ?? process.env.KAFKA_PORT ?? 9092),
  host: values.host,
  advertisedHost: values['advertised-host'],
  advertisedPort: values['advertised-port'] === undefined ? undefined : Number(values['advertised-port']),
  flush: values.flush === undefined ? undefined : parseFlushPolicy(values.flush),
  autoCreateTopics: !values['no-auto-create'],
  logger,
});
