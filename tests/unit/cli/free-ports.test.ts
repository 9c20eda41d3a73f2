import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { firstTakenPort } from '../../../cli/up/free-ports.js';

const servers: net.Server[] = [];

async function listening(): Promise<number> {
  const server = net.createServer();
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((resolve) => s.close(resolve));
});

describe('the ports recostream up checks before it starts anything', () => {
  it('finds the first port something already listens on', async () => {
    const busy = await listening();
    const freed = await listening();
    await new Promise((resolve) => servers.pop()!.close(resolve));
    const found = await firstTakenPort([
      { what: 'the Kafka broker', port: freed, host: '127.0.0.1', flag: '--kafka-port' },
      { what: 'the API', port: busy, host: '127.0.0.1', flag: '--api-port' },
    ]);
    expect(found).toEqual({ what: 'the API', port: busy, host: '127.0.0.1', flag: '--api-port' });
  });

  it('sees a port taken on loopback when the part would bind every interface', async () => {
    const busy = await listening();
    const found = await firstTakenPort([
      { what: 'the API', port: busy, host: '0.0.0.0', flag: '--api-port' },
    ]);
    expect(found?.port).toBe(busy);
  });

  it('answers null when every port is free, and never counts port 0 (any free port) as taken', async () => {
    const freed = await listening();
    await new Promise((resolve) => servers.pop()!.close(resolve));
    expect(
      await firstTakenPort([
        { what: 'the API', port: freed, host: '127.0.0.1', flag: '--api-port' },
        { what: 'the schema registry', port: 0, host: '127.0.0.1', flag: '--registry-port' },
      ]),
    ).toBeNull();
  });
});
