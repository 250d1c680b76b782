import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { WebSocket } from '../../../src/index';
import { redisAvailable, settledSubscriberCount, startRedis, type RedisProcess } from '../../helpers/redis';
import { startGroup } from '../../helpers/spawnPeer';
import { until } from '../../helpers/wait';

const ROOT = join(__dirname, '..', '..', '..');
const PEER = join(ROOT, 'test/integration/peers/topic_server.mjs');
const HAVE_REDIS = redisAvailable();
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Starts topic_server.mjs (from dist/) and resolves with its port. */
async function serverProcess(redisUrl: string, workers = 0): Promise<number> {
  if (!existsSync(join(ROOT, 'dist/cjs/brokers/redis.js'))) throw new Error('dist/ is missing: run `npm run build:ts` first (npm test does)');
  const p = startGroup(process.execPath, [PEER], { ...process.env, REDIS_URL: redisUrl, WORKERS: String(workers) });
  cleanups.push(() => p.stop());
  await until(() => /PORT \d+/.test(p.output()) || p.child.exitCode !== null, 15000, () => p.output());
  const m = /PORT (\d+)/.exec(p.output());
  if (m === null) throw new Error(`topic server failed: ${p.output()}`);
  return Number(m[1]);
}

type Client = WebSocket & { got: string[]; ask(cmd: string, answer: string): Promise<string> };

async function client(port: number): Promise<Client> {
  const c = Object.assign(new WebSocket(), { got: [] as string[] }) as Client;
  cleanups.push(() => c.abort());
  const answers: string[] = [];
  c.on('textMessageReceived', (m) => (/^(pid|subbed) /.test(m) ? answers.push(m) : c.got.push(m)));
  c.ask = async (cmd, answer) => {
    c.sendTextMessage(cmd);
    await until(() => answers.some((a) => a.startsWith(answer)), 5000, () => `no answer to ${cmd}`);
    return answers.splice(answers.findIndex((a) => a.startsWith(answer)), 1)[0];
  };
  await new Promise<void>((resolve, reject) => {
    c.once('connected', () => resolve());
    c.once('errorOccurred', () => reject(new Error(c.errorString())));
    c.open(`ws://127.0.0.1:${port}/`);
  });
  return c;
}

describe.skipIf(!HAVE_REDIS)('topics across server processes on one redis-server', () => {
  let redis: RedisProcess;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.dispose();
  });

  it('three server processes: socket.publish and server.publish reach every subscriber on every process exactly once, in order', async () => {
    const ports = await Promise.all([0, 1, 2].map(() => serverProcess(redis.url)));
    const clients: Client[] = [];
    for (const port of ports) for (let i = 0; i < 2; i++) clients.push(await client(port));
    for (const c of clients) await c.ask('sub room', 'subbed room');
    expect(await settledSubscriberCount(redis, 'qws:room', 3)).toBe(3);
    for (let i = 0; i < 100; i++) clients[0].sendTextMessage(`pub room m${i}`);
    clients[5].sendTextMessage('spub room last');
    const want = Array.from({ length: 100 }, (_, i) => `m${i}`);
    await until(() => clients.slice(1).every((c) => c.got.length === 101) && clients[0].got.length === 1, 10000, () => JSON.stringify(clients.map((c) => c.got.length)));
    await new Promise((r) => setTimeout(r, 200)); // a double delivery would have arrived by now
    expect(clients[0].got).toEqual(['last']);
    // order is kept per publisher; the two publishers' messages may interleave
    for (const c of clients.slice(1)) {
      expect(c.got.filter((m) => m !== 'last')).toEqual(want);
      expect(c.got.filter((m) => m === 'last').length).toBe(1);
    }
  });

  it('node:cluster: three workers on one port, each with its own broker, deliver to each other', async () => {
    const port = await serverProcess(redis.url, 3);
    const clients: Client[] = [];
    const pids = new Set<string>();
    for (let i = 0; i < 9; i++) {
      const c = await client(port);
      pids.add(await c.ask('who', 'pid '));
      clients.push(c);
    }
    expect(pids.size).toBeGreaterThan(1); // the primary spread the connections over workers
    for (const c of clients) await c.ask('sub chat', 'subbed chat');
    expect(await settledSubscriberCount(redis, 'qws:chat', pids.size)).toBe(pids.size);
    clients[0].sendTextMessage('pub chat hello');
    clients[8].sendTextMessage('spub chat bye');
    await until(() => clients.slice(1).every((c) => c.got.length === 2) && clients[0].got.length === 1, 10000, () => JSON.stringify(clients.map((c) => c.got)));
    await new Promise((r) => setTimeout(r, 200));
    expect(clients[0].got).toEqual(['bye']);
    for (const c of clients.slice(1)) expect(c.got.sort()).toEqual(['bye', 'hello']);
  });
});
