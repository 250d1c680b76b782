/**
 * Topics on the ws face across two servers through a real redis-server (Debian's, started on a
 * free port): `wss.setPubSubBroker(new RedisBroker(…))` as on the Qt face — a publish on either
 * server reaches the subscribers on both, local ones exactly once, in publish order; `binary`
 * travels with the message; one Redis subscription per topic per server.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RedisBroker } from '../../../src/brokers/redis';
import { redisAvailable, settledSubscriberCount, startRedis, type RedisProcess } from '../../helpers/redis';
import { until } from '../../helpers/wait';
import { useCleanups, withClients } from './helpers';

const HAVE_REDIS = redisAvailable();
const brokers: RedisBroker[] = [];
useCleanups();
afterEach(async () => {
  for (const b of brokers.splice(0)) await b.close();
});

async function broker(url: string): Promise<RedisBroker> {
  const b = new RedisBroker({ url });
  brokers.push(b);
  await b.ready();
  return b;
}

describe.skipIf(!HAVE_REDIS)('ws face topics through Redis', () => {
  let redis: RedisProcess;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.dispose();
  });

  it('a publish on either server reaches the subscribers on both, local ones once, in order', async () => {
    const a = await withClients(2);
    const b = await withClients(2);
    a.wss.setPubSubBroker(await broker(redis.url));
    b.wss.setPubSubBroker(await broker(redis.url));
    for (const ws of [...a.sockets, ...b.sockets]) ws.subscribe('room');
    b.sockets[1].unsubscribe('room');
    expect(await settledSubscriberCount(redis, 'qws:room', 2)).toBe(2);

    expect(a.wss.publish('room', 'one')).toBe(2);
    expect(a.sockets[0].publish('room', 'two', { binary: true })).toBe(1);
    expect(b.wss.publish('room', Buffer.from([0xab]))).toBe(1);
    const seq = Array.from({ length: 200 }, (_, i) => `m${i}`);
    for (const m of seq) b.wss.publish('room', m);

    const hex = Buffer.from('two').toString('hex');
    await until(() => a.clients[0].got.length === 202 && a.clients[1].got.length === 203 && b.clients[0].got.length === 203, 10000, () => [...a.clients, ...b.clients].map((c) => c.got.length).join(' '));
    await new Promise((r) => setTimeout(r, 100)); // a double delivery would show up by now
    expect(a.clients[0].got).toEqual(['one', 'bin:ab', ...seq]);
    for (const c of [a.clients[1], b.clients[0]]) {
      // one publisher's messages keep their order; two publishers' may interleave
      expect(c.got.filter((m) => m.startsWith('m'))).toEqual(seq);
      expect(c.got.filter((m) => !m.startsWith('m')).sort()).toEqual(['bin:ab', `bin:${hex}`, 'one'].sort());
    }
    expect(b.clients[1].got).toEqual([]);

    // the last local subscriber leaving drops the server's Redis subscription
    b.sockets[0].unsubscribe('room');
    expect(await settledSubscriberCount(redis, 'qws:room', 1)).toBe(1);
  });
});
