/**
 * Qt face broadcast() to all of a server's connections, walked in C++ on the native transport
 * (issue 17; core/connectionSet, native/io/topics): each peer must get exactly what a walk in JS
 * would give it, in call order with its direct sends, whether C++ took it or left it to JS;
 * connections that close (or abort) drop out, and a new connection on a reused id is reached
 * only by its own server. Under QWS_TRANSPORT=node the same runs go through the JS walk.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { WebSocketServer as RealServer } from 'ws';
import { SocketState, WebSocket, WebSocketServer } from '../../src/index';
import { onNative, watchNativeWalk } from '../helpers/nativeWalk';
import { echoServer } from '../helpers/server';
import { seededRandom } from '../helpers/prng';
import { until } from '../helpers/wait';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  vi.restoreAllMocks();
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function serverWithClients(n: number): Promise<{ server: WebSocketServer; port: number; sockets: WebSocket[]; clients: Array<WebSocket & { got: string[] }> }> {
  const { server, port, sockets } = await echoServer();
  cleanups.push(() => {
    for (const ws of server.connections()) ws.abort();
    server.close();
  });
  const clients: Array<WebSocket & { got: string[] }> = [];
  for (let i = 0; i < n; i++) clients.push(await openClient(port));
  await until(() => sockets.length === n, 3000, () => `${sockets.length} accepted`);
  return { server, port, sockets, clients };
}

async function openClient(port: number): Promise<WebSocket & { got: string[] }> {
  const c = Object.assign(new WebSocket(), { got: [] as string[] });
  cleanups.push(() => c.abort());
  c.on('textMessageReceived', (m) => c.got.push(m.length > 64 ? `${m.slice(0, 10)}…${m.length}` : m));
  await new Promise<void>((resolve, reject) => {
    c.once('connected', () => resolve());
    c.once('errorOccurred', () => reject(new Error(c.errorString())));
    c.open(`ws://127.0.0.1:${port}/`);
  });
  return c;
}

describe('broadcast walked natively (Qt face)', () => {
  it('random broadcasts, direct sends, waits and aborts: each peer gets exactly what the model says, in call order', async () => {
    const seen = watchNativeWalk('ioBroadcast');
    const { server, sockets, clients } = await serverWithClients(6);
    const r = seededRandom(2026);
    const open = new Set(sockets.map((_, i) => i));
    const expected: string[][] = sockets.map(() => []);
    for (let step = 0; step < 600; step++) {
      const x = r.rand();
      const i = r.randInt(0, sockets.length - 1);
      const m = `m${step}`;
      if (x < 0.4) {
        const text = r.rand() < 0.05 ? `${m}:${'y'.repeat(100_000)}` : m;
        expect(server.broadcast(text)).toBe(open.size);
        for (const j of open) expected[j].push(text.length > 64 ? `${text.slice(0, 10)}…${text.length}` : text);
      } else if (x < 0.65) {
        if (!open.has(i)) continue;
        sockets[i].sendTextMessage(m);
        expected[i].push(m);
      } else if (x < 0.67 && open.size > 3) {
        if (!open.has(i)) continue;
        // what was queued for it is dropped with it (abort): it is not compared any more
        sockets[i].abort();
        open.delete(i);
      } else if (x < 0.85) {
        await new Promise((resolve) => setImmediate(resolve));
      } else {
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
    }
    await until(() => [...open].every((i) => clients[i].got.length >= expected[i].length), 15000, () => JSON.stringify([...open].map((i) => [clients[i].got.length, expected[i].length])));
    for (const i of open) expect(clients[i].got, `client ${i}`).toEqual(expected[i]);
    if (onNative) {
      expect(seen.collected).toBeGreaterThan(100);
      expect(seen.fallback).toBeGreaterThan(10);
    }
  }, 30_000);

  it("a broadcast reaches only its own server's connections, and no connection that took a closed one's id", async () => {
    const seen = watchNativeWalk('ioBroadcast');
    const a = await serverWithClients(2);
    const b = await serverWithClients(1);
    expect(a.server.broadcast('to a')).toBe(2);
    expect(b.server.broadcast('to b')).toBe(1);
    a.clients[1].abort();
    await until(() => a.server.connections().length === 1, 3000, () => 'closed');
    // ids are reused last freed first: the server side's (freed last) goes to the next connection
    // taken over, here our client's to ws's server (which would fail on a server frame from it)
    const other = new RealServer({ port: 0, host: '127.0.0.1' });
    cleanups.push(() => new Promise((res) => other.close(res)));
    await once(other, 'listening');
    const toOther = await openClient((other.address() as AddressInfo).port);
    const late = await openClient(b.port);
    await until(() => b.sockets.length === 2, 3000, () => 'accepted');
    expect(a.server.broadcast('a again')).toBe(1);
    expect(b.server.broadcast('b again')).toBe(2);
    await until(() => late.got.length === 1 && a.clients[0].got.length === 2 && b.clients[0].got.length === 2, 3000, () => JSON.stringify([late.got, a.clients[0].got, b.clients[0].got]));
    expect(a.clients[0].got).toEqual(['to a', 'a again']);
    expect(b.clients[0].got).toEqual(['to b', 'b again']);
    expect(late.got).toEqual(['b again']);
    expect(toOther.state()).toBe(SocketState.ConnectedState);
    if (onNative) expect(seen).toEqual({ collected: 2 + 1 + 1 + 2, fallback: 0 });
  });
});
