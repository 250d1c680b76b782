/**
 * The ws face's WebSocketServer against ws's real client, from ws's doc/ws.md: messages (text
 * as a Buffer with isBinary false), ping/pong, close codes both ways, maxPayload (1009 and
 * WS_ERR_UNSUPPORTED_MESSAGE_LENGTH), verifyClient (sync and async refusals with code, message
 * and headers), handleProtocols, the 'headers' event, clients, address(), close(cb), noServer
 * with handleUpgrade (on a net.Socket or any stream.Duplex).
 */
import { createServer, type IncomingMessage } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { duplexPair } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { WebSocket as RealWs } from 'ws';
import { WebSocket, WebSocketServer } from '../../../src/ws/index';
import { cleanup, closeQuietly, faceServer, next, realClient, useCleanups } from './helpers';
import { until } from '../../helpers/wait';

useCleanups();

/** The response ws's client got for a refused handshake: status, headers, body. */
function refusal(url: string, options: ConstructorParameters<typeof RealWs>[2] = {}): Promise<{ status: number; headers: IncomingMessage['headers']; body: string }> {
  const ws = new RealWs(url, options);
  cleanup(() => closeQuietly(ws));
  return new Promise((resolve, reject) => {
    ws.on('open', () => reject(new Error('opened')));
    ws.on('error', () => {});
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
  });
}

describe('ws face server: messages and control frames', () => {
  it('hands text as a Buffer with isBinary false and binary with true, and echoes both', async () => {
    const { wss, url } = await faceServer();
    const got: Array<[unknown, boolean]> = [];
    wss.on('connection', (ws) => ws.on('message', (data, isBinary) => {
      got.push([data, isBinary]);
      ws.send(data, { binary: isBinary });
    }));
    const c = await realClient(url);
    const echoes: Array<[Buffer, boolean]> = [];
    c.on('message', (d: Buffer, b: boolean) => echoes.push([d, b]));
    c.send('héllo');
    c.send(Buffer.from([0, 1, 2, 255]));
    while (echoes.length < 2) await next(c, 'message');
    expect(Buffer.isBuffer(got[0][0])).toBe(true);
    expect((got[0][0] as Buffer).toString()).toBe('héllo');
    expect(got[0][1]).toBe(false);
    expect(got[1]).toEqual([Buffer.from([0, 1, 2, 255]), true]);
    expect(echoes[0][0].toString()).toBe('héllo');
    expect(echoes[0][1]).toBe(false);
    expect(echoes[1][1]).toBe(true);
  });

  it('emits ping and pong with their data, and answers pings (autoPong)', async () => {
    const { wss, url } = await faceServer();
    const conn = next<[WebSocket]>(wss, 'connection');
    const c = await realClient(url);
    const [ws] = await conn;
    const pinged = next<[Buffer]>(ws, 'ping');
    const ponged = next<[Buffer]>(c, 'pong');
    c.ping('abc');
    expect((await pinged)[0].toString()).toBe('abc');
    expect((await ponged)[0].toString()).toBe('abc');
    const serverPong = next<[Buffer]>(ws, 'pong');
    ws.ping(Buffer.from('xyz'));
    expect((await serverPong)[0].toString()).toBe('xyz');
  });

  it('autoPong false leaves the answer to the listener', async () => {
    const { wss, url } = await faceServer({ autoPong: false });
    const conn = next<[WebSocket]>(wss, 'connection');
    const c = await realClient(url);
    const [ws] = await conn;
    let pongs = 0;
    c.on('pong', () => pongs++);
    ws.on('ping', (d) => ws.pong(Buffer.concat([d, Buffer.from('!')])));
    const answered = next<[Buffer]>(c, 'pong');
    c.ping('q');
    expect((await answered)[0].toString()).toBe('q!');
    expect(pongs).toBe(1);
  });

  it('reports the close code and reason (a Buffer) of either side', async () => {
    const { wss, url } = await faceServer();
    const conn = next<[WebSocket]>(wss, 'connection');
    const c = await realClient(url);
    const [ws] = await conn;
    const serverClosed = next<[number, Buffer]>(ws, 'close');
    const clientClosed = next<[number, Buffer]>(c, 'close');
    c.close(4001, 'from client');
    const [code, reason] = await serverClosed;
    expect(code).toBe(4001);
    expect(Buffer.isBuffer(reason) && reason.toString()).toBe('from client');
    expect((await clientClosed)[0]).toBe(4001);
    expect(ws.readyState).toBe(WebSocket.CLOSED);

    const conn2 = next<[WebSocket]>(wss, 'connection');
    const c2 = await realClient(url);
    const [ws2] = await conn2;
    const closed2 = next<[number, Buffer]>(c2, 'close');
    ws2.close(4002, 'from server');
    expect(ws2.readyState).toBe(WebSocket.CLOSING);
    const [code2, reason2] = await closed2;
    expect([code2, reason2.toString()]).toEqual([4002, 'from server']);
  });

  it('fails a message over maxPayload with 1009 and WS_ERR_UNSUPPORTED_MESSAGE_LENGTH', async () => {
    const { wss, url } = await faceServer({ maxPayload: 1024 });
    const conn = next<[WebSocket]>(wss, 'connection');
    const c = await realClient(url);
    const [ws] = await conn;
    const err = next<[Error & { code: string; closeCode: number }]>(ws, 'error');
    const serverClose = next<[number]>(ws, 'close');
    const clientClose = next<[number]>(c, 'close');
    c.send(Buffer.alloc(1025));
    const [e] = await err;
    expect(e.code).toBe('WS_ERR_UNSUPPORTED_MESSAGE_LENGTH');
    expect(e).toBeInstanceOf(RangeError);
    expect(e.closeCode).toBe(1009);
    expect((await clientClose)[0]).toBe(1009);
    expect((await serverClose)[0]).toBe(1006);
  });

  it('accepts exactly maxPayload bytes', async () => {
    const { wss, url } = await faceServer({ maxPayload: 1024 });
    wss.on('connection', (ws) => ws.on('message', (d) => ws.send(d)));
    const c = await realClient(url);
    const echo = next<[Buffer]>(c, 'message');
    c.send(Buffer.alloc(1024, 7));
    expect((await echo)[0].length).toBe(1024);
  });
});

describe('ws face server: handshake hooks', () => {
  it('verifyClient (sync) refuses with 401, and is given origin, secure and req', async () => {
    const infos: unknown[] = [];
    const { url } = await faceServer({
      verifyClient: (info: { origin: string | undefined; secure: boolean; req: IncomingMessage }) => {
        infos.push([info.origin, info.secure, info.req.url]);
        return false;
      },
    });
    const r = await refusal(`${url}/p?q=1`, { origin: 'https://example.test' });
    expect(r.status).toBe(401);
    expect(infos).toEqual([['https://example.test', false, '/p?q=1']]);
  });

  it('verifyClient (async) refuses with its code, message and headers, or accepts later', async () => {
    const { wss, url } = await faceServer({
      verifyClient: (info: { req: IncomingMessage }, cb: (ok: boolean, code?: number, message?: string, headers?: Record<string, string | number>) => void) => {
        setTimeout(() => (info.req.url === '/ok' ? cb(true) : cb(false, 429, 'Slow down', { 'Retry-After': 120 })), 10);
      },
    });
    const r = await refusal(`${url}/no`);
    expect(r.status).toBe(429);
    expect(r.body).toBe('Slow down');
    expect(r.headers['retry-after']).toBe('120');
    const conn = next(wss, 'connection');
    await realClient(`${url}/ok`);
    await conn;
  });

  it('handleProtocols picks the subprotocol (from a Set); false sends none', async () => {
    const seen: unknown[] = [];
    const { url } = await faceServer({
      handleProtocols: (protocols: Set<string>) => {
        seen.push(protocols instanceof Set, [...protocols]);
        return protocols.has('b') ? 'b' : false;
      },
    });
    const c = await realClient(url, ['a', 'b']);
    expect(c.protocol).toBe('b');
    expect(seen).toEqual([true, ['a', 'b']]);
  });

  it('without handleProtocols the client\'s first subprotocol is chosen', async () => {
    const { wss, url } = await faceServer();
    const conn = next<[WebSocket]>(wss, 'connection');
    const c = await realClient(url, ['x', 'y']);
    expect(c.protocol).toBe('x');
    expect((await conn)[0].protocol).toBe('x');
  });

  it("'headers' gives the response lines, and what a listener pushes is sent", async () => {
    const { wss, url } = await faceServer();
    wss.on('headers', (headers: string[], req: IncomingMessage) => {
      expect(headers[0]).toBe('HTTP/1.1 101 Switching Protocols');
      expect(req.url).toBe('/h');
      headers.push('Set-Cookie: io=abc');
    });
    const c = new RealWs(`${url}/h`);
    cleanup(() => closeQuietly(c));
    const [res] = await next<[IncomingMessage]>(c, 'upgrade');
    expect(res.headers['set-cookie']).toEqual(['io=abc']);
  });

  it('path: only that pathname is served (others on its own port: 400, as ws), the query aside', async () => {
    const { url } = await faceServer({ path: '/only' });
    expect((await refusal(`${url}/other`)).status).toBe(400);
    await realClient(`${url}/only?x=1`);
  });

  it('shouldHandle can be overridden: false answers 400', async () => {
    class Picky extends WebSocketServer {
      override shouldHandle(req: IncomingMessage): boolean {
        return req.headers['x-let-in'] === 'yes';
      }
    }
    const wss = new Picky({ port: 0, host: '127.0.0.1' });
    cleanup(() => new Promise((r) => { for (const c of wss.clients) c.terminate(); wss.close(r); }));
    await once(wss, 'listening');
    const url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;
    expect((await refusal(url)).status).toBe(400);
    await realClient(url, [], { headers: { 'X-Let-In': 'yes' } });
  });

  it("'connection' gives the request; clients tracks open sockets; address() is the port's", async () => {
    const { wss, url } = await faceServer();
    const conn = next<[WebSocket, IncomingMessage]>(wss, 'connection');
    const c = await realClient(`${url}/r`, [], { headers: { 'X-Test': 'yes' } });
    const [ws, req] = await conn;
    expect(req.headers['x-test']).toBe('yes');
    expect(wss.clients.has(ws)).toBe(true);
    expect((wss.address() as AddressInfo).port).toBe(Number(new URL(url).port));
    const gone = next(ws, 'close');
    c.close();
    await gone;
    expect(wss.clients.size).toBe(0);
  });

  it('the WebSocket option: server-side sockets are of that subclass and work as the base class', async () => {
    class Tagged extends WebSocket {
      tag = 'mine';
      echoed = 0;
    }
    const { wss, url } = await faceServer({ WebSocket: Tagged });
    const conn = next<[Tagged]>(wss, 'connection');
    const c = await realClient(url);
    const [ws] = await conn;
    expect(ws).toBeInstanceOf(Tagged);
    expect(ws.tag).toBe('mine');
    ws.on('message', (d, isBinary) => {
      ws.echoed++;
      ws.send(d, { binary: isBinary });
    });
    const echo = next<[Buffer]>(c, 'message');
    c.send('through the subclass');
    expect(String((await echo)[0])).toBe('through the subclass');
    expect(ws.echoed).toBe(1);
    // the base class's private state and helpers serve the subclass: ping, pause, close
    ws.ping();
    ws.pause();
    expect(ws.isPaused).toBe(true);
    ws.resume();
    const closed = next<[number, Buffer]>(ws, 'close');
    ws.close(4001, 'bye');
    const [code, reason] = await closed;
    expect([code, String(reason)]).toEqual([4001, 'bye']);
  });

  it('clientTracking false leaves clients undefined', async () => {
    const { wss } = await faceServer({ clientTracking: false });
    expect(wss.clients).toBeUndefined();
  });

  it('close(cb) calls back on close, and with an error when closed already', async () => {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await once(wss, 'listening');
    await new Promise<void>((resolve, reject) => wss.close((err) => (err ? reject(err) : resolve())));
    const err = await new Promise<Error | undefined>((resolve) => wss.close(resolve));
    expect(err?.message).toBe('The server is not running');
  });

  it('refuses a constructor without exactly one of port, server and noServer', () => {
    expect(() => new WebSocketServer({})).toThrow(TypeError);
    expect(() => new WebSocketServer({ port: 0, noServer: true })).toThrow(/One and only one/);
    expect(() => new WebSocketServer({ noServer: true }).address()).toThrow(/noServer/);
  });

  it('a plain HTTP request to the port it created gets 426', async () => {
    const { url } = await faceServer();
    const res = await fetch(url.replace('ws:', 'http:'));
    expect(res.status).toBe(426);
  });
});

describe('ws face server: sharing an http server', () => {
  it('server option: several servers on one http server, routed by path', async () => {
    const http = createServer();
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    cleanup(() => new Promise((r) => http.close(r)));
    const a = new WebSocketServer({ server: http, path: '/a' });
    const b = new WebSocketServer({ server: http, path: '/b' });
    cleanup(() => { a.close(); b.close(); });
    a.on('connection', (ws) => ws.send('a'));
    b.on('connection', (ws) => ws.send('b'));
    const base = `ws://127.0.0.1:${(http.address() as AddressInfo).port}`;
    const ca = new RealWs(`${base}/a`);
    const cb = new RealWs(`${base}/b`);
    cleanup(() => { closeQuietly(ca); closeQuietly(cb); });
    const [ma] = await next<[Buffer]>(ca, 'message');
    const [mb] = await next<[Buffer]>(cb, 'message');
    expect([ma.toString(), mb.toString()]).toEqual(['a', 'b']);
    const none = new RealWs(`${base}/c`);
    cleanup(() => closeQuietly(none));
    const [, res] = await next<[unknown, IncomingMessage]>(none, 'unexpected-response');
    expect(res.statusCode).toBe(404);
  });

  it('noServer + handleUpgrade from the http server\'s upgrade event', async () => {
    const http = createServer();
    const wss = new WebSocketServer({ noServer: true });
    http.on('upgrade', (req, socket, head) => {
      if (req.url !== '/ws') {
        socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws, request) => wss.emit('connection', ws, request));
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    cleanup(() => new Promise((r) => { for (const c of wss.clients) c.terminate(); wss.close(); http.close(r); }));
    wss.on('connection', (ws) => ws.on('message', (d, isBinary) => ws.send(d, { binary: isBinary })));
    const c = await realClient(`ws://127.0.0.1:${(http.address() as AddressInfo).port}/ws`);
    const echo = next<[Buffer, boolean]>(c, 'message');
    c.send('via noServer');
    const [d, isBinary] = await echo;
    expect([d.toString(), isBinary]).toEqual(['via noServer', false]);
  });

  it('handleUpgrade over any stream.Duplex (not a net.Socket): messages, compression, close codes both ways, terminate', async () => {
    const http = createServer();
    const wss = new WebSocketServer({ noServer: true, perMessageDeflate: { threshold: 0 } });
    http.on('upgrade', (req, socket, head) => {
      // a stream between the TCP socket and the WebSocket (as a proxy or a test harness puts one)
      const [outer, inner] = duplexPair();
      socket.pipe(outer).pipe(socket);
      // Node 22's duplexPair does not pass a destroy to the other side (24's does): the harness does
      inner.once('close', () => socket.destroy());
      wss.handleUpgrade(req, inner, head, (ws, request) => wss.emit('connection', ws, request));
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    cleanup(() => new Promise((r) => { for (const c of wss.clients) c.terminate(); wss.close(); http.close(r); }));
    const server: WebSocket[] = [];
    wss.on('connection', (ws) => {
      server.push(ws);
      ws.on('message', (d, isBinary) => ws.send(d, { binary: isBinary }));
    });
    const url = `ws://127.0.0.1:${(http.address() as AddressInfo).port}`;
    // the client closes
    const a = await realClient(url, [], { perMessageDeflate: true });
    expect(a.extensions).toContain('permessage-deflate');
    const echoes = new Promise<string[]>((resolve) => {
      const got: string[] = [];
      a.on('message', (d: Buffer, isBinary: boolean) => got.push(`${isBinary ? 'bin' : 'txt'}:${d}`) === 2 && resolve(got));
    });
    a.send('text '.repeat(100));
    a.send(Buffer.from('bytes'));
    expect(await echoes).toEqual([`txt:${'text '.repeat(100)}`, 'bin:bytes']);
    const serverSaw = next<[number, Buffer]>(server[0], 'close');
    a.close(4001, 'client');
    const [code, reason] = await serverSaw;
    expect([code, reason.toString()]).toEqual([4001, 'client']);
    // the server closes, then terminates another
    const b = await realClient(url);
    const bClosed = next<[number, Buffer]>(b, 'close');
    server[1].close(4002, 'server');
    const [bCode, bReason] = await bClosed;
    expect([bCode, bReason.toString()]).toEqual([4002, 'server']);
    const c = await realClient(url);
    const cClosed = next<[number]>(c, 'close');
    server[2].terminate();
    expect((await cClosed)[0]).toBe(1006);
    await until(() => wss.clients?.size === 0, 5000, () => `clients ${wss.clients?.size}`);
  });

  it('perMessageDeflate: negotiated with ws\'s client, messages round-trip compressed', async () => {
    const { wss, url } = await faceServer({ perMessageDeflate: { threshold: 0 } });
    const conn = next<[WebSocket]>(wss, 'connection');
    wss.on('connection', (ws) => ws.on('message', (d, isBinary) => ws.send(d, { binary: isBinary })));
    const c = await realClient(url, [], { perMessageDeflate: true });
    const [ws] = await conn;
    expect(ws.extensions).toBe('permessage-deflate');
    expect(c.extensions).toContain('permessage-deflate');
    const echo = next<[Buffer]>(c, 'message');
    const big = 'compress me '.repeat(1000);
    c.send(big);
    expect((await echo)[0].toString()).toBe(big);
  });
});
