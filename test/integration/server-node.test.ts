import { afterEach, describe, expect, it } from 'vitest';
import { createServer as createHttp, type Server } from 'node:http';
import { WebSocket, WebSocketServer, CloseCode, SocketState } from '../../src/index';
import { echoServer, rawExchange, upgradeRequest } from '../helpers/server';
import { rawClient, frame } from '../helpers/rawPeer';
import { openSocket } from '../helpers/client';
import { ioShared } from '../../src/transport/native/nativeIo';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});


async function httpServer(): Promise<{ http: Server; port: number }> {
  const http = createHttp((req, res) => res.end(`plain ${req.url}`));
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise((r) => http.close(() => r(undefined))));
  cleanups.push(() => http.closeAllConnections());
  return { http, port: (http.address() as { port: number }).port };
}

function echoOn(server: WebSocketServer, tag: string): void {
  server.on('newConnection', () => {
    let ws;
    while ((ws = server.nextPendingConnection())) {
      const s = ws;
      s.on('textMessageReceived', (m) => s.sendTextMessage(`${tag}:${m}`));
    }
  });
}

describe('WebSocketServer on Node http servers', () => {
  it('attach: several servers on one http server by path; other requests untouched; unknown path 404', async () => {
    const { http, port } = await httpServer();
    const a = new WebSocketServer('a').attach(http, { path: '/a' });
    const b = new WebSocketServer('b').attach(http, { path: '/b' });
    cleanups.push(() => a.close(), () => b.close());
    echoOn(a, 'A');
    echoOn(b, 'B');
    const ca = await openSocket(`ws://127.0.0.1:${port}/a`, cleanups);
    const cb = await openSocket(`ws://127.0.0.1:${port}/b?x=1`, cleanups);
    const ra = new Promise((r) => ca.once('textMessageReceived', r));
    const rb = new Promise((r) => cb.once('textMessageReceived', r));
    ca.sendTextMessage('1');
    cb.sendTextMessage('2');
    expect(await ra).toBe('A:1');
    expect(await rb).toBe('B:2');
    const plain = await fetch(`http://127.0.0.1:${port}/hello`).then((r) => r.text());
    expect(plain).toBe('plain /hello');
    const resp = await rawExchange(port, upgradeRequest(port, {}, '/nope'));
    expect(resp.startsWith('HTTP/1.1 404')).toBe(true);
  });

  it('handleUpgrade(req, socket, head, cb) for frameworks that own the server', async () => {
    const { http, port } = await httpServer();
    const wss = new WebSocketServer('fw');
    cleanups.push(() => wss.close());
    http.on('upgrade', (req, socket, head) => {
      wss.handleUpgrade(req, socket, head, (ws) => {
        ws.on('textMessageReceived', (m) => ws.sendTextMessage(`cb:${m}`));
      });
    });
    const c = await openSocket(`ws://127.0.0.1:${port}/x`, cleanups);
    const r = new Promise((res) => c.once('textMessageReceived', res));
    c.sendTextMessage('hi');
    expect(await r).toBe('cb:hi');
    // handed over to the callback: not queued
    expect(wss.hasPendingConnections()).toBe(false);
    expect(wss.nextPendingConnection()).toBeNull();
  });

  it('handleConnection(socket) takes over an accepted net.Socket', async () => {
    const { createServer } = await import('node:net');
    const wss = new WebSocketServer('hc');
    cleanups.push(() => wss.close());
    echoOn(wss, 'H');
    const net = createServer((s) => wss.handleConnection(s));
    await new Promise<void>((r) => net.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise((r) => net.close(() => r(undefined))));
    const c = await openSocket(`ws://127.0.0.1:${(net.address() as { port: number }).port}/`, cleanups);
    const r = new Promise((res) => c.once('textMessageReceived', res));
    c.sendTextMessage('x');
    expect(await r).toBe('H:x');
  });
});

describe('WebSocketServer: broadcast, heartbeat, backpressure, coalescing', () => {
  it('broadcast frames once and reaches every connection (and a chosen subset)', async () => {
    const { server, port } = await echoServer();
    cleanups.push(() => server.close());
    const clients = await Promise.all([1, 2, 3].map(() => openSocket(`ws://127.0.0.1:${port}/`, cleanups)));
    await new Promise((r) => setTimeout(r, 50));
    const got = clients.map((c) => new Promise<string>((r) => c.once('textMessageReceived', r)));
    expect(server.broadcast('news')).toBe(3);
    expect(await Promise.all(got)).toEqual(['news', 'news', 'news']);
    const big = Buffer.alloc(1 << 20, 9);
    server.setOutgoingFrameSize(300000);
    const bins = clients.map((c) => new Promise<Buffer>((r) => c.once('binaryMessageReceived', r)));
    const frames: boolean[] = [];
    clients[0].on('binaryFrameReceived', (_f, last) => frames.push(last));
    expect(server.broadcast(big, server.connections())).toBe(3);
    for (const b of await Promise.all(bins)) expect(b.equals(big)).toBe(true);
    expect(frames).toEqual([false, false, false, true]);
    const one = new Promise<string>((r) => clients[1].once('textMessageReceived', r));
    expect(server.broadcast('only you', [server.connections()[1]])).toBe(1);
    await one;
  });

  it('heartbeat: connections that answer stay; a silent one is dropped', async () => {
    const { server, port } = await echoServer();
    cleanups.push(() => server.close());
    const good = await openSocket(`ws://127.0.0.1:${port}/`, cleanups);
    // a raw peer that never answers pings
    const { reader } = await rawClient(port);
    await new Promise((r) => setTimeout(r, 50));
    server.setHeartbeatInterval(100);
    await reader.waitClosed(3000);
    expect(good.state()).toBe(SocketState.ConnectedState);
    expect(server.connections().length).toBe(1);
  });

  it("buffer cap 'close': a peer that does not read is failed with 1008", async () => {
    const { server, port, sockets } = await echoServer((s) => s.setMaxBufferedBytes(256 * 1024, 'close'));
    cleanups.push(() => server.close());
    const { socket } = await rawClient(port);
    socket.pause(); // never read
    await new Promise((r) => setTimeout(r, 50));
    const ws = sockets[0];
    const closing = new Promise<void>((r) => ws.once('aboutToClose', () => r()));
    const chunk = Buffer.alloc(64 * 1024);
    for (let i = 0; i < 400 && ws.state() === SocketState.ConnectedState; i++) {
      ws.sendBinaryMessage(chunk);
      ws.flush();
      await new Promise((r) => setImmediate(r));
    }
    await closing;
    expect(ws.closeCode()).toBe(CloseCode.CloseCodePolicyViolated);
    expect(ws.sendBinaryMessage(chunk)).toBe(0);
  });

  it('an echo of 100 small messages arriving in one chunk leaves in one socket write', async () => {
    const { server, port, sockets } = await echoServer();
    cleanups.push(() => server.close());
    const { socket, reader } = await rawClient(port);
    await new Promise((r) => setTimeout(r, 50));
    const ws = sockets[0];
    const writes = countServerWrites(ws);
    const msgs = Array.from({ length: 100 }, (_, i) => frame(1, `m${i}`, { mask: true }));
    socket.write(Buffer.concat(msgs));
    for (let i = 0; i < 100; i++) expect((await reader.next())?.payload.toString()).toBe(`m${i}`);
    expect(writes.count).toBe(1);
    writes.stop();
  });
});

/**
 * Counts the writes of the server's side of `ws`: calls into the native transport's write when
 * it carries the connection (the raw client of these tests is not on it), else writes on the
 * net.Socket.
 */
function countServerWrites(ws: WebSocket): { count: number; stop(): void } {
  const shared = ioShared();
  const counter = { count: 0, stop: () => {} };
  if (shared !== null) {
    const io = shared.io;
    const orig = io.ioWrite;
    io.ioWrite = (id, bufs) => {
      counter.count++;
      return orig.call(io, id, bufs);
    };
    counter.stop = () => {
      io.ioWrite = orig;
    };
    return counter;
  }
  const serverSocket = findSocket(ws);
  const origWrite = serverSocket._writeGeneric.bind(serverSocket);
  serverSocket._writeGeneric = (...args: unknown[]) => {
    counter.count++;
    return (origWrite as (...a: unknown[]) => unknown)(...args);
  };
  return counter;
}

/** The net.Socket under a server-side WebSocket (test-only reach into the transport). */
function findSocket(ws: WebSocket): import('node:net').Socket & { _writeGeneric: (...a: unknown[]) => unknown } {
  // WebSocket keeps its connection private; find the socket through the process's active handles
  const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles();
  for (const h of handles) {
    const s = h as import('node:net').Socket;
    if (s && typeof s.remotePort === 'number' && s.remotePort === ws.peerPort() && s.localPort === ws.localPort()) {
      return s as import('node:net').Socket & { _writeGeneric: (...a: unknown[]) => unknown };
    }
  }
  throw new Error('socket not found');
}
