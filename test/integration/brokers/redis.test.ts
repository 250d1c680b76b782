import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from 'redis';
import { WebSocket, WebSocketServer, InvalidArgumentError } from '../../../src/index';
import { RedisBroker } from '../../../src/brokers/redis';
import { redisAvailable, settledSubscriberCount, startRedis, startRedisCluster, nodeOfChannel, type RedisProcess } from '../../helpers/redis';
import { until } from '../../helpers/wait';

const HAVE_REDIS = redisAvailable();
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A server with `n` connected clients that record what they get; sockets[i] serves clients[i]. */
async function node(broker: RedisBroker | null, n: number): Promise<{ server: WebSocketServer; sockets: WebSocket[]; clients: Array<WebSocket & { got: string[] }> }> {
  const server = new WebSocketServer('redis-test');
  if (broker !== null) server.setPubSubBroker(broker);
  const sockets: WebSocket[] = [];
  server.on('newConnection', () => {
    let ws: WebSocket | null;
    while ((ws = server.nextPendingConnection()) !== null) sockets.push(ws);
  });
  if (!(await server.listen('127.0.0.1', 0))) throw new Error(server.errorString());
  cleanups.push(() => {
    for (const ws of server.connections()) ws.abort();
    server.close();
  });
  const clients: Array<WebSocket & { got: string[] }> = [];
  for (let i = 0; i < n; i++) {
    const c = Object.assign(new WebSocket(), { got: [] as string[] });
    cleanups.push(() => c.abort());
    c.on('textMessageReceived', (m) => c.got.push(m));
    c.on('binaryMessageReceived', (m) => c.got.push(`bin:${m.toString('hex')}`));
    await new Promise<void>((resolve, reject) => {
      c.once('connected', () => resolve());
      c.once('errorOccurred', () => reject(new Error(c.errorString())));
      c.open(server.serverUrl());
    });
    await until(() => sockets.length === i + 1, 2000, () => 'accepted');
    clients.push(c);
  }
  return { server, sockets, clients };
}

async function broker(options: ConstructorParameters<typeof RedisBroker>[0]): Promise<RedisBroker> {
  const b = new RedisBroker(options);
  cleanups.push(() => b.close());
  await b.ready();
  return b;
}

/** Waits until Redis counts `n` subscribers to the channel (subscribing is asynchronous). */
async function expectNumsub(redis: RedisProcess, channel: string, n: number, sharded = false): Promise<void> {
  expect(await settledSubscriberCount(redis, channel, n, sharded)).toBe(n);
}

describe.skipIf(!HAVE_REDIS)('RedisBroker on one redis-server', () => {
  let redis: RedisProcess;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.dispose();
  });

  it('a publish on one server reaches the subscribers on both, local ones exactly once; one Redis subscription per topic per server', async () => {
    const a = await node(await broker({ url: redis.url }), 3);
    const b = await node(await broker({ url: redis.url }), 3);
    for (const ws of [...a.sockets, ...b.sockets]) ws.subscribe('room');
    b.sockets[2].unsubscribe('room');
    await expectNumsub(redis, 'qws:room', 2);

    expect(a.server.publish('room', 'one')).toBe(3);
    expect(a.sockets[0].publish('room', Buffer.from([0xab]))).toBe(2);
    expect(b.server.publish('room', 'two')).toBe(2);
    const everyone = [...a.clients.slice(1), ...b.clients.slice(0, 2)];
    await until(() => everyone.every((c) => c.got.length >= 3) && a.clients[0].got.length >= 2, 3000, () => JSON.stringify(everyone.map((c) => c.got)));
    await new Promise((r) => setTimeout(r, 100)); // a double delivery would show up by now
    expect(a.clients[0].got).toEqual(['one', 'two']);
    for (const c of [a.clients[1], a.clients[2], b.clients[0], b.clients[1]]) expect(c.got.sort()).toEqual(['bin:ab', 'one', 'two']);
    expect(b.clients[2].got).toEqual([]);

    // the last local subscriber leaving drops the server's Redis subscription
    for (const ws of b.sockets) ws.unsubscribe('room');
    await expectNumsub(redis, 'qws:room', 1);
  });

  it('per publisher and topic, order is kept across servers; several servers can share one broker', async () => {
    const shared = await broker({ url: redis.url });
    const a = await node(shared, 1);
    const b = await node(shared, 1);
    const c = await node(await broker({ url: redis.url }), 1);
    for (const n of [a, b, c]) n.sockets[0].subscribe('seq');
    await expectNumsub(redis, 'qws:seq', 2); // one for the shared broker, one for c's
    const sent = Array.from({ length: 500 }, (_, i) => `m${i}`);
    for (const m of sent) a.server.publish('seq', m);
    await until(() => b.clients[0].got.length === 500 && c.clients[0].got.length === 500, 5000, () => `${b.clients[0].got.length} ${c.clients[0].got.length}`);
    expect(a.clients[0].got).toEqual(sent);
    expect(b.clients[0].got).toEqual(sent);
    expect(c.clients[0].got).toEqual(sent);
  });

  it('a shared node-redis client; a message over the broker limit is refused before any delivery', async () => {
    const client = createClient({ url: redis.url });
    client.on('error', () => {});
    await client.connect();
    cleanups.push(() => client.close());
    const a = await node(await broker({ client, maxMessageSize: 1000 }), 1);
    const b = await node(await broker({ url: redis.url }), 1);
    a.sockets[0].subscribe('t');
    b.sockets[0].subscribe('t');
    await expectNumsub(redis, 'qws:t', 2);
    expect(() => a.server.publish('t', Buffer.alloc(1000))).toThrow(/over the broker's limit \(maxMessageSize 1000 bytes/);
    expect(a.server.publish('t', Buffer.alloc(1000), { local: true })).toBe(1);
    expect(a.server.publish('t', 'fits')).toBe(1);
    await until(() => b.clients[0].got.length === 1, 3000, () => JSON.stringify(b.clients[0].got));
    expect(b.clients[0].got).toEqual(['fits']);
    expect(a.clients[0].got.length).toBe(2);
    expect(client.isReady).toBe(true);
    expect(() => new RedisBroker({})).toThrow(InvalidArgumentError);
    expect(() => new RedisBroker({ url: redis.url, maxMessageSize: -1 })).toThrow(/maxMessageSize/);
  });

  it('publishes beyond maxPendingPublishes awaiting Redis are dropped and counted, never queued', async () => {
    const ba = await broker({ url: redis.url, maxPendingPublishes: 5 });
    const a = await node(ba, 1);
    const b = await node(await broker({ url: redis.url }), 1);
    a.sockets[0].subscribe('burst');
    b.sockets[0].subscribe('burst');
    await expectNumsub(redis, 'qws:burst', 2);
    for (let i = 0; i < 100; i++) expect(a.server.publish('burst', `m${i}`)).toBe(1);
    expect(ba.stats()).toMatchObject({ published: 5, dropped: 95, topics: 1 });
    await until(() => b.clients[0].got.length === 5 && a.clients[0].got.length === 100, 3000, () => `${b.clients[0].got.length}`);
    expect(b.clients[0].got).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
    // once answered, publishing goes on
    a.server.publish('burst', 'again');
    await until(() => b.clients[0].got.length === 6, 3000, () => JSON.stringify(b.clients[0].got));
  });

  it('envelopes not from qwebsocket, or text that is not UTF-8, are ignored', async () => {
    const b = await node(await broker({ url: redis.url }), 1);
    b.sockets[0].subscribe('t');
    await expectNumsub(redis, 'qws:t', 1);
    await redis.cli('publish', 'qws:t', 'not an envelope');
    const badText = Buffer.concat([Buffer.from([0x10]), Buffer.alloc(8, 1), Buffer.from([0xff, 0xfe])]);
    const good = Buffer.concat([Buffer.from([0x10]), Buffer.alloc(8, 1), Buffer.from('ok')]);
    const pub = createClient({ url: redis.url });
    pub.on('error', () => {});
    await pub.connect();
    cleanups.push(() => pub.close());
    await pub.publish('qws:t', badText);
    await pub.publish('qws:t', good);
    await until(() => b.clients[0].got.length === 1, 3000, () => 'got nothing');
    expect(b.clients[0].got).toEqual(['ok']);
  });

  it('Redis going away: local delivery goes on, remote publishes are dropped (not queued), down/up events, resubscribed after reconnect', async () => {
    const own = await startRedis();
    cleanups.push(() => own.dispose());
    const ba = await broker({ url: own.url, reconnectDelayMs: { min: 20, max: 200 } });
    const bb = await broker({ url: own.url, reconnectDelayMs: { min: 20, max: 200 } });
    const a = await node(ba, 1);
    const b = await node(bb, 1);
    a.sockets[0].subscribe('t');
    b.sockets[0].subscribe('t');
    await expectNumsub(own, 'qws:t', 2);
    const events: string[] = [];
    ba.on('down', () => events.push('down'));
    ba.on('up', () => events.push('up'));
    a.server.publish('t', 'before');
    await until(() => b.clients[0].got.length === 1, 3000, () => 'before');

    await own.stop();
    await until(() => !ba.isUp() && !bb.isUp(), 5000, () => 'down not noticed');
    // (its publishing connection may notice a moment after the subscribing one: until then a
    // publish is sent, and counted as dropped when it fails)
    await until(() => !ba.publish('probe', Buffer.alloc(32)), 5000, () => 'publishing connection still up');
    const dropped = ba.stats().dropped;
    for (let i = 0; i < 1000; i++) expect(a.server.publish('t', `during${i}`)).toBe(1);
    expect(ba.stats().dropped).toBe(dropped + 1000);
    await until(() => a.clients[0].got.length === 1001, 3000, () => `local ${a.clients[0].got.length}`);
    b.sockets[0].subscribe('late'); // while down: subscribed once Redis is back

    await own.start();
    await ba.ready();
    await bb.ready();
    // resubscribed (by node-redis after the reconnect) before up
    await expectNumsub(own, 'qws:t', 2);
    a.server.publish('t', 'after');
    await until(() => b.clients[0].got.length === 2, 5000, () => JSON.stringify(b.clients[0].got));
    expect(b.clients[0].got).toEqual(['before', 'after']);
    await expectNumsub(own, 'qws:late', 1);
    a.server.publish('late', 'late one');
    await until(() => b.clients[0].got.length === 3, 5000, () => JSON.stringify(b.clients[0].got));
    expect(events[0]).toBe('down');
    expect(events.at(-1)).toBe('up');
  });
});

describe.skipIf(!HAVE_REDIS)('RedisBroker on a 3-master Redis Cluster (sharded pub/sub)', () => {
  let cluster: Awaited<ReturnType<typeof startRedisCluster>>;
  beforeAll(async () => {
    cluster = await startRedisCluster(3);
  }, 90000);
  afterAll(async () => {
    await cluster?.dispose();
  });

  it('topics on every shard reach the subscribers on both servers, one SSUBSCRIBE per topic per server on the owning shard', async () => {
    const a = await node(await broker({ url: cluster.urls, cluster: true }), 2);
    const b = await node(await broker({ url: cluster.urls[1], cluster: true }), 2);
    // topics whose channels land on each of the three masters
    const owners = new Map<number, string>();
    for (let i = 0; owners.size < 3 && i < 200; i++) {
      const owner = await nodeOfChannel(cluster.nodes, `qws:t${i}`);
      if (!owners.has(owner.port)) owners.set(owner.port, `t${i}`);
    }
    expect(owners.size).toBe(3);
    const topics = [...owners.values()];
    for (const ws of [...a.sockets, ...b.sockets]) for (const t of topics) ws.subscribe(t);
    for (const [port, t] of owners) {
      const n = cluster.nodes.find((x) => x.port === port)!;
      await expectNumsub(n, `qws:${t}`, 2, true);
    }
    for (const t of topics) {
      for (let i = 0; i < 20; i++) a.server.publish(t, `${t}:${i}`);
      b.server.publish(t, `${t}:fromB`);
    }
    const all = [...a.clients, ...b.clients];
    await until(() => all.every((c) => c.got.length === topics.length * 21), 5000, () => JSON.stringify(all.map((c) => c.got.length)));
    for (const c of all) {
      for (const t of topics) {
        const mine = c.got.filter((m) => m.startsWith(`${t}:`) && !m.endsWith('fromB'));
        expect(mine).toEqual(Array.from({ length: 20 }, (_, i) => `${t}:${i}`));
      }
    }
  });

  it('a shard going away: down, local delivery goes on, its topics drop remote publishes; back: up, resubscribed on it', async () => {
    const ba = await broker({ url: cluster.urls, cluster: true, reconnectDelayMs: { min: 20, max: 300 } });
    const bb = await broker({ url: cluster.urls, cluster: true, reconnectDelayMs: { min: 20, max: 300 } });
    const a = await node(ba, 1);
    const b = await node(bb, 1);
    const shard = await nodeOfChannel(cluster.nodes, 'qws:fault');
    a.sockets[0].subscribe('fault');
    b.sockets[0].subscribe('fault');
    await expectNumsub(shard, 'qws:fault', 2, true);
    const events: string[] = [];
    ba.on('down', () => events.push('down'));
    ba.on('up', () => events.push('up'));
    await shard.stop();
    await until(() => events.includes('down'), 10000, () => 'down not noticed');
    for (let i = 0; i < 50; i++) expect(a.server.publish('fault', `during${i}`)).toBe(1);
    await until(() => a.clients[0].got.length === 50, 3000, () => `local ${a.clients[0].got.length}`);
    await shard.start();
    await until(() => events.at(-1) === 'up', 20000, () => JSON.stringify(events));
    await expectNumsub(shard, 'qws:fault', 2, true);
    a.server.publish('fault', 'after');
    await until(() => b.clients[0].got.includes('after'), 10000, () => JSON.stringify(b.clients[0].got));
    expect(b.clients[0].got.filter((m) => m.startsWith('during')).length).toBe(0);
  }, 60000);
});
