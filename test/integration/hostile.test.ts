/**
 * Hostile clients against a listening WebSocketServer (issue #4), over real loopback sockets:
 * junk instead of HTTP, oversized heads, bad keys, unmasked frames, slowloris, and 10,000
 * connections opened and dropped at every stage, while a well-behaved client keeps getting echoes.
 * After each attack the server must hold nothing: no open connections, an empty pending queue,
 * no TCP connections on its listening server, and (after the flood) handles and heap near baseline.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { connect, type Server as NetServer, type Socket } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { nativeConnectionsOnPort } from '../../src/transport/native/nativeIo';
import { WebSocket, WebSocketServer, SslMode, CloseCode, SocketState } from '../../src/index';
import { rawExchange, upgradeRequest } from '../helpers/server';
import { frame, rawClient } from '../helpers/rawPeer';
import { openSocket } from '../helpers/client';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Polls `cond` (every 20 ms) until true; throws with `what` after `ms`. Not a duration assertion. */
async function until(cond: () => boolean | Promise<boolean>, what: string | (() => string), ms = 10000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${typeof what === 'string' ? what : what()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

type Handles = { _getActiveHandles(): unknown[] };
const activeHandles = (): unknown[] => (process as unknown as Handles)._getActiveHandles();

/** The server's listening net.Server (private to WebSocketServer; found among the process's handles), null on a native listener. */
function listeningServer(server: WebSocketServer): NetServer | null {
  for (const h of activeHandles()) {
    const s = h as NetServer;
    if (typeof s?.getConnections === 'function' && typeof s.address === 'function') {
      const a = s.address();
      if (a !== null && typeof a === 'object' && a.port === server.serverPort()) return s;
    }
  }
  return null;
}

/** TCP connections the server holds: its net.Server's count (taken-over ones included), or those of its native listener. */
async function tcpConnections(server: WebSocketServer): Promise<number> {
  const net = listeningServer(server);
  if (net === null) return nativeConnectionsOnPort(server.serverPort());
  return new Promise<number>((resolve, reject) => net.getConnections((err, n) => (err ? reject(err) : resolve(n))));
}

/** An echo server that keeps no references to its connections (so leaks are the server's own). */
async function hostileServer(setup?: (s: WebSocketServer) => void, drain = true): Promise<{ server: WebSocketServer; port: number; errors: number[] }> {
  const server = new WebSocketServer('hostile', SslMode.NonSecureMode);
  const errors: number[] = [];
  server.on('serverError', (c) => errors.push(c));
  setup?.(server);
  server.on('newConnection', () => {
    if (drain) takeAll(server);
  });
  expect(await server.listen('127.0.0.1', 0)).toBe(true);
  cleanups.push(() => server.close());
  return { server, port: server.serverPort(), errors };
}

/** Takes every queued connection and makes it echo. */
function takeAll(server: WebSocketServer): number {
  let n = 0;
  let ws: WebSocket | null;
  while ((ws = server.nextPendingConnection()) !== null) {
    const s = ws;
    n++;
    s.on('textMessageReceived', (m) => s.sendTextMessage(m));
    s.on('binaryMessageReceived', (m) => s.sendBinaryMessage(m));
  }
  return n;
}

/** The server holds nothing: no WebSockets, no pending queue, no TCP connections. */
async function expectEmpty(server: WebSocketServer, keep = 0): Promise<void> {
  await until(() => server.connections().length === keep, () => `connections() == ${keep} (is ${server.connections().length})`);
  await until(async () => (await tcpConnections(server)) === keep, `getConnections() == ${keep}`);
  expect(server.connections().length).toBe(keep);
  expect(await tcpConnections(server)).toBe(keep);
  expect(server.hasPendingConnections()).toBe(false);
}


async function echo(c: WebSocket, text: string): Promise<void> {
  const got = new Promise<string>((r) => c.once('textMessageReceived', r));
  c.sendTextMessage(text);
  expect(await got).toBe(text);
}

describe('hostile clients: bad handshakes', () => {
  const garbage: Array<[string, Buffer | string]> = [
    ['binary junk with CRLFCRLF', Buffer.from([0, 1, 2, 3, 0xff, 0xfe, 13, 10, 13, 10])],
    ['an SSH banner', 'SSH-2.0-OpenSSH_9.6\r\n\r\n'],
    // 16 03 01 = TLS handshake record, version 3.1: a TLS ClientHello sent to a plain ws:// port
    ['a TLS ClientHello', Buffer.concat([Buffer.from([0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x03, 0x03]), Buffer.alloc(160, 0x42)])],
    ['a request line with a bad version', 'GET / HTTP/9\r\n\r\n'],
    ['a header line without a colon', 'GET / HTTP/1.1\r\nHost: x\r\nthis is not a header\r\n\r\n'],
    ['NUL in a header value', 'GET / HTTP/1.1\r\nHost: x\0y\r\n\r\n'],
  ];
  for (const [name, data] of garbage) {
    it(`${name} → 400 and closed; serverError; nothing left`, async () => {
      const { server, port, errors } = await hostileServer();
      const r = await rawExchange(port, data);
      expect(r.split('\r\n')[0]).toBe('HTTP/1.1 400 Bad Request');
      expect(errors).toContain(CloseCode.CloseCodeProtocolError);
      await expectEmpty(server);
    });
  }

  it('headers over 8 KiB (one big header, many small ones, a huge URL) → 431 or 400 and closed', async () => {
    const { server, port } = await hostileServer();
    const many: Record<string, string> = {};
    for (let i = 0; i < 300; i++) many[`X-H${i}`] = 'v'.repeat(30);
    for (const req of [
      upgradeRequest(port, { 'X-Big': 'a'.repeat(9000) }),
      upgradeRequest(port, many),
      upgradeRequest(port, {}, `/${'p'.repeat(9000)}`),
    ]) {
      const status = (await rawExchange(port, req)).split('\r\n')[0];
      expect(['HTTP/1.1 431 Request Header Fields Too Large', 'HTTP/1.1 400 Bad Request']).toContain(status);
    }
    // an endless header that never ends its line: refused once over the limit, without waiting for the end
    const endless = await new Promise<string>((resolve) => {
      const s = connect(port, '127.0.0.1');
      let out = '';
      s.on('error', () => {});
      s.on('data', (d) => (out += d.toString('latin1')));
      s.on('close', () => resolve(out));
      s.write(`GET / HTTP/1.1\r\nHost: x\r\nX-Endless: `);
      const t = setInterval(() => (s.destroyed ? clearInterval(t) : s.write('a'.repeat(1024))), 5);
    });
    expect(endless.split('\r\n')[0]).toBe('HTTP/1.1 431 Request Header Fields Too Large');
    await expectEmpty(server);
  });

  const badKeys: Array<[string, Record<string, string | null>]> = [
    ['missing Sec-WebSocket-Key', { 'Sec-WebSocket-Key': null }],
    ['empty Sec-WebSocket-Key', { 'Sec-WebSocket-Key': '' }],
    ['a key of 5 bytes', { 'Sec-WebSocket-Key': 'c2hvcnQ=' }],
    ['a key of 17 bytes', { 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZSE=' }],
    ['a key that is not base64', { 'Sec-WebSocket-Key': '@@@@@@@@@@@@@@@@@@@@@@==' }],
  ];
  for (const [name, headers] of badKeys) {
    it(`${name} → 400, no 101, nothing left`, async () => {
      const { server, port } = await hostileServer();
      const r = await rawExchange(port, upgradeRequest(port, headers));
      expect(r.split('\r\n')[0]).toBe('HTTP/1.1 400 Bad Request');
      expect(r).not.toContain('Sec-WebSocket-Accept');
      await expectEmpty(server);
    });
  }

  it('a second request pipelined after a refused one is not upgraded', async () => {
    const { server, port } = await hostileServer();
    const r = await rawExchange(port, upgradeRequest(port, { 'Sec-WebSocket-Key': null }) + upgradeRequest(port));
    expect(r.startsWith('HTTP/1.1 400')).toBe(true);
    expect(r).not.toContain('101 Switching Protocols');
    await expectEmpty(server);
  });
});

describe('hostile clients: after the upgrade', () => {
  it('unmasked frames → close 1002, TCP closed by the server, connection gone', async () => {
    const { server, port } = await hostileServer();
    for (const bytes of [frame(1, 'unmasked'), frame(9, 'ping'), frame(2, Buffer.alloc(70000, 1))]) {
      const { socket, reader } = await rawClient(port);
      socket.write(bytes);
      const f = await reader.next();
      expect(f?.opcode).toBe(8);
      expect(f?.masked).toBe(false);
      expect(f?.payload.readUInt16BE(0)).toBe(CloseCode.CloseCodeProtocolError);
      await reader.waitClosed();
    }
    await expectEmpty(server);
  });

  it('a close frame followed by junk: the junk is ignored, the close is echoed', async () => {
    const { server, port } = await hostileServer();
    const { socket, reader } = await rawClient(port);
    socket.write(Buffer.concat([frame(8, Buffer.from([0x03, 0xe8]), { mask: true }), Buffer.alloc(64, 0xff)]));
    const f = await reader.next();
    expect(f?.opcode).toBe(8);
    expect(f?.payload.readUInt16BE(0)).toBe(1000);
    expect(await reader.next()).toBeNull();
    await expectEmpty(server);
  });
});

describe('hostile clients: slowloris', () => {
  for (const [name, trickle] of [
    ['a request trickled one byte at a time', true],
    ['a connection that sends nothing', false],
  ] as const) {
    it(`${name} is dropped at the handshake timeout, without a response`, async () => {
      const { server, port } = await hostileServer((s) => s.setHandshakeTimeout(300));
      const good = await openSocket(`ws://127.0.0.1:${port}/`, cleanups);
      const s = connect(port, '127.0.0.1');
      s.on('error', () => {});
      let got = '';
      s.on('data', (d) => (got += d.toString('latin1')));
      const closed = new Promise<void>((r) => s.on('close', () => r()));
      const req = upgradeRequest(port);
      let i = 0;
      const t = setInterval(() => {
        if (trickle && i < req.length - 4 && !s.destroyed) s.write(req[i++]);
      }, 40);
      cleanups.push(() => clearInterval(t));
      await closed;
      clearInterval(t);
      expect(got).toBe('');
      if (trickle) expect(i).toBeLessThan(req.length - 4);
      // the timeout applies to the handshake only: the upgraded client outlived it
      expect(good.state()).toBe(SocketState.ConnectedState);
      await echo(good, 'still here');
      await expectEmpty(server, 1);
    });
  }
});

// ---- the flood ---------------------------------------------------------------------------------

/** How a flood connection misbehaves. */
type Kind = 'drop-at-once' | 'drop-mid-handshake' | 'reset-mid-handshake' | 'drop-after-upgrade' | 'drop-mid-frame' | 'garbage';
const KINDS: Kind[] = ['drop-at-once', 'drop-mid-handshake', 'reset-mid-handshake', 'drop-after-upgrade', 'drop-mid-frame', 'garbage'];

/** One hostile connection; resolves with what it saw once its socket has closed. */
function hostileConnection(port: number, kind: Kind): Promise<'upgraded' | 'refused' | 'none'> {
  return new Promise((resolve) => {
    const s: Socket = connect(port, '127.0.0.1');
    let got = '';
    s.on('error', () => {});
    s.on('close', () => resolve(got.startsWith('HTTP/1.1 101') ? 'upgraded' : got.startsWith('HTTP/1.1 4') ? 'refused' : 'none'));
    const req = upgradeRequest(port);
    s.on('data', (d) => {
      const first = got === '';
      got += d.toString('latin1');
      if (!first || !got.includes('\r\n\r\n')) return;
      if (kind === 'drop-after-upgrade') s.destroy();
      if (kind === 'drop-mid-frame') {
        // a masked binary frame announcing 1000 bytes, cut off after 100 of them
        const f = frame(2, Buffer.alloc(1000, 7), { mask: true });
        s.write(f.subarray(0, 108), () => s.destroy());
      }
    });
    s.on('connect', () => {
      if (kind === 'drop-at-once') s.destroy();
      else if (kind === 'drop-mid-handshake') s.write(req.slice(0, req.length >> 1), () => s.destroy());
      else if (kind === 'reset-mid-handshake') s.write(req.slice(0, req.length >> 1), () => s.resetAndDestroy());
      else if (kind === 'garbage') s.write('\x00\x01\x02 not http\r\n\r\n');
      else s.write(req);
    });
  });
}

describe('hostile clients: gone before their request was answered', () => {
  it('a client that ends or resets before its request is complete is freed at once, not at the handshake deadline', async () => {
    // a deadline far beyond how long the test waits: only the end of the client can free them
    const { server } = await hostileServer((s) => s.setHandshakeTimeout(120000));
    const good = await openSocket(`ws://127.0.0.1:${server.serverPort()}/`, cleanups);
    const kinds: Kind[] = ['drop-at-once', 'drop-mid-handshake', 'reset-mid-handshake'];
    await Promise.all(Array.from({ length: 30 }, (_, i) => hostileConnection(server.serverPort(), kinds[i % kinds.length])));
    await expectEmpty(server, 1);
    await echo(good, 'still here');
  });
});

describe('hostile clients: while accepting is paused', () => {
  it('connections dropped while parked (pending queue full) are all cleaned up once the queue drains', async () => {
    const { server, port } = await hostileServer((s) => s.setMaxPendingConnections(2), false);
    const url = `ws://127.0.0.1:${port}/`;
    const a = await openSocket(url, cleanups);
    const b = await openSocket(url, cleanups);
    expect(server.hasPendingConnections()).toBe(true);
    // the queue is full: accepting is paused, new TCP connections wait unread
    const kinds: Kind[] = ['drop-at-once', 'drop-mid-handshake', 'reset-mid-handshake'];
    await Promise.all(Array.from({ length: 300 }, (_, i) => hostileConnection(port, kinds[i % kinds.length])));
    const late = new WebSocket();
    cleanups.push(() => late.abort());
    const lateUp = new Promise<void>((resolve, reject) => {
      late.once('connected', () => resolve());
      late.once('errorOccurred', () => reject(new Error(late.errorString())));
    });
    late.open(url);
    // draining the queue resumes accepting: the parked sockets are read, found closed, dropped
    expect(takeAll(server)).toBe(2);
    await lateUp;
    expect(takeAll(server)).toBe(1);
    await echo(a, 'a');
    await echo(b, 'b');
    await echo(late, 'late');
    await expectEmpty(server, 3);
  });
});

describe('hostile clients: 10,000 connections opened and dropped', () => {
  it('in batches of 500, at every stage; a good client keeps its echoes; nothing leaks', { timeout: 180000 }, async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const { server, port } = await hostileServer((s) => s.setHandshakeTimeout(5000));
    const good = await openSocket(`ws://127.0.0.1:${port}/`, cleanups);
    await echo(good, 'warm-up');
    // warm every code path once, then take the baseline
    await Promise.all(KINDS.map((k) => hostileConnection(port, k)));
    await expectEmpty(server, 1);
    // every server-side TCP socket and WebSocket from here on must become garbage
    let created = 0;
    let collected = 0;
    const registry = new FinalizationRegistry<string>(() => collected++);
    // (a native listener has no server-side net.Socket: its connections are counted by tcpConnections)
    const net = listeningServer(server);
    net?.on('connection', (sock: Socket) => {
      created++;
      registry.register(sock, 'socket');
    });
    server.on('newConnection', () => {
      for (const ws of server.connections()) {
        if (ws !== server.connections()[0] && !tracked.has(ws)) {
          tracked.add(ws);
          created++;
          registry.register(ws, 'websocket');
        }
      }
    });
    const tracked = new WeakSet<WebSocket>();
    gc();
    const baseHandles = activeHandles().length;
    const baseHeap = process.memoryUsage().heapUsed;

    const seen: Record<string, number> = { upgraded: 0, refused: 0, none: 0 };
    const TOTAL = 10000;
    const BATCH = 500;
    for (let b = 0; b < TOTAL / BATCH; b++) {
      const batch: Array<Promise<'upgraded' | 'refused' | 'none'>> = [];
      for (let i = 0; i < BATCH; i++) batch.push(hostileConnection(port, KINDS[(b * BATCH + i) % KINDS.length]));
      // the well-behaved client is served while the batch is in flight
      await echo(good, `during batch ${b}`);
      for (const r of await Promise.all(batch)) seen[r]++;
    }
    // every stage was really reached: upgrades happened and garbage was refused
    const perKind = TOTAL / KINDS.length;
    expect(seen.upgraded).toBeGreaterThanOrEqual(Math.floor(perKind) * 2 - 10);
    expect(seen.refused).toBeGreaterThanOrEqual(Math.floor(perKind) - 10);
    expect(seen.upgraded + seen.refused + seen.none).toBe(TOTAL);

    await echo(good, 'after the flood');
    await expectEmpty(server, 1);
    expect(server.connections()[0].state()).toBe(SocketState.ConnectedState);

    good.close();
    await until(() => good.state() === SocketState.UnconnectedState, 'the good client to close');
    await expectEmpty(server, 0);
    await until(() => activeHandles().length <= baseHandles, () => `active handles back to ${baseHandles} (now ${activeHandles().length})`);
    for (let i = 0; i < 3; i++) {
      gc();
      await new Promise((r) => setImmediate(r));
    }
    await until(() => {
      gc();
      return collected === created;
    }, () => `every server-side socket and WebSocket to be garbage-collected (${collected} of ${created})`);
    expect(created).toBeGreaterThan((net === null ? 0 : TOTAL) + seen.upgraded - 1);
    const grown = process.memoryUsage().heapUsed - baseHeap;
    // 10,000 leaked sockets or WebSockets would be far more than this generous bound
    expect(grown).toBeLessThan(16 * 1024 * 1024);
  });
});
