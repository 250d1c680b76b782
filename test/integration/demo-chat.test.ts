/**
 * The demo's chat room (examples/demo-server.mjs, /chat): rooms are topics; with REDIS_URL two
 * demo servers on one real redis-server share their rooms.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { WebSocket } from '../../src/index';
import { connectClient, startDemo, stopGroup, type Group } from '../helpers/demo';
import { redisAvailable, settledSubscriberCount, startRedis } from '../helpers/redis';
import { until } from '../helpers/wait';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function demo(env: Record<string, string> = {}): Promise<number> {
  const { port, server } = await startDemo(env);
  cleanups.push(() => stopGroup(server as Group));
  return port;
}

/** A chat member: every line it got, as "from: text". */
async function member(port: number, room: string, name: string): Promise<WebSocket & { lines: string[] }> {
  const lines: string[] = [];
  const ws = await connectClient(`ws://127.0.0.1:${port}/chat?room=${room}&name=${name}`, (w) =>
    w.on('textMessageReceived', (m) => {
      const { from, text } = JSON.parse(m) as { from: string; text: string };
      lines.push(`${from}: ${text}`);
    }),
  );
  cleanups.push(() => ws.abort());
  return Object.assign(ws, { lines });
}

describe('demo chat room (topics)', () => {
  it('members of a room hear each other, joins and leaves; other rooms hear nothing', async () => {
    const port = await demo();
    const ann = await member(port, 'r1', 'ann');
    const bob = await member(port, 'r1', 'bob');
    const eve = await member(port, 'r2', 'eve');
    await until(() => ann.lines.length === 2, 5000, () => JSON.stringify(ann.lines));
    ann.sendTextMessage('hi bob');
    bob.sendTextMessage('hi ann');
    await until(() => bob.lines.length === 3, 5000, () => JSON.stringify(bob.lines));
    bob.close();
    await until(() => ann.lines.length === 5, 5000, () => JSON.stringify(ann.lines));
    expect(ann.lines).toEqual(['*: ann joined', '*: bob joined', 'ann: hi bob', 'bob: hi ann', '*: bob left']);
    expect(bob.lines).toEqual(['*: bob joined', 'ann: hi bob', 'bob: hi ann']);
    expect(eve.lines).toEqual(['*: eve joined']);
  });

  it.skipIf(!redisAvailable())('with REDIS_URL, two demo servers share their rooms', async () => {
    const redis = await startRedis();
    cleanups.push(() => redis.dispose());
    const [p1, p2] = await Promise.all([demo({ REDIS_URL: redis.url }), demo({ REDIS_URL: redis.url })]);
    const ann = await member(p1, 'lobby', 'ann');
    // ann's join goes out on server 1's publishing connection, bob's subscription on server 2's
    // subscriber connection: Redis orders them only as they arrive, so let the join pass Redis
    // first (else bob may rightly hear it: pub/sub has no order across connections)
    for (let i = 0; i < 250 && !/cmdstat_publish:calls=[1-9]/.test(await redis.cli('info', 'commandstats')); i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const bob = await member(p2, 'lobby', 'bob');
    expect(await settledSubscriberCount(redis, 'qws:room:lobby', 2)).toBe(2);
    bob.sendTextMessage('hello from the other server');
    await until(() => ann.lines.includes('bob: hello from the other server'), 5000, () => JSON.stringify(ann.lines));
    expect(bob.lines).toEqual(['*: bob joined', 'bob: hello from the other server']);
  });
});
