/**
 * The ws face's client against ws's real server, from ws's doc/ws.md: the constructor's
 * arguments and errors, open/message/close/ping/pong, upgrade, unexpected-response, redirects,
 * send() callbacks and its errors when not open, close() validation, terminate, pause/resume,
 * binaryType, bufferedAmount, the EventTarget interface, createWebSocketStream.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import WebSocketDefault, { WebSocket, createWebSocketStream, type ClientOptions } from '../../../src/ws/index';
import { cleanup, next, realServer, useCleanups } from './helpers';

useCleanups();

/** Our client, open. */
async function open(url: string, protocols?: string | string[], options?: ClientOptions): Promise<WebSocket> {
  const ws = new WebSocket(url, protocols, options);
  cleanup(() => ws.terminate());
  await next(ws, 'open');
  return ws;
}

/** An echo server of ws's (messages go back with their type). */
async function echo(options = {}): Promise<{ url: string; wss: Awaited<ReturnType<typeof realServer>>['wss'] }> {
  const r = await realServer(options);
  r.wss.on('connection', (s) => s.on('message', (d, isBinary) => s.send(d, { binary: isBinary })));
  return r;
}

describe('ws face client: constructor', () => {
  it('is the default export, with the ready states on class and instance', () => {
    expect(WebSocketDefault).toBe(WebSocket);
    expect([WebSocket.CONNECTING, WebSocket.OPEN, WebSocket.CLOSING, WebSocket.CLOSED]).toEqual([0, 1, 2, 3]);
    expect(WebSocket.Server).toBe(WebSocket.WebSocketServer);
    expect(WebSocket.createWebSocketStream).toBe(createWebSocketStream);
  });

  it('throws SyntaxError for bad URLs and subprotocols, RangeError for protocolVersion', () => {
    expect(() => new WebSocket('not a url')).toThrow(SyntaxError);
    expect(() => new WebSocket('ftp://127.0.0.1/')).toThrow(/protocol must be one of/);
    expect(() => new WebSocket('ws://127.0.0.1/#frag')).toThrow(/fragment/);
    expect(() => new WebSocket('ws://127.0.0.1/', ['a', 'a'])).toThrow(/invalid or duplicated subprotocol/);
    expect(() => new WebSocket('ws://127.0.0.1/', ['bad name'])).toThrow(SyntaxError);
    expect(() => new WebSocket('ws://127.0.0.1/', { protocolVersion: 7 })).toThrow(RangeError);
  });

  it('connects with http:// as ws://, reports url, protocol, extensions and upgrade', async () => {
    const { url } = await echo({ handleProtocols: (p: Set<string>) => [...p][1] });
    const ws = new WebSocket(url.replace('ws:', 'http:') + '/path?q=1', ['one', 'two'], { perMessageDeflate: false });
    cleanup(() => ws.terminate());
    expect(ws.readyState).toBe(WebSocket.CONNECTING);
    const upgraded = next<[IncomingMessage]>(ws, 'upgrade');
    const opened = next(ws, 'open');
    const [res] = await upgraded;
    expect(res.statusCode).toBe(101);
    await opened;
    expect(ws.url).toBe(`${url}/path?q=1`);
    expect(ws.protocol).toBe('two');
    expect(ws.extensions).toBe('');
    expect(ws.readyState).toBe(WebSocket.OPEN);
  });

  it('offers permessage-deflate by default (as ws) and round-trips compressed messages', async () => {
    const { url } = await echo({ perMessageDeflate: { threshold: 0 } });
    const ws = await open(url);
    expect(ws.extensions).toBe('permessage-deflate');
    const m = next<[Buffer, boolean]>(ws, 'message');
    ws.send('x'.repeat(5000));
    const [d, isBinary] = await m;
    expect([d.toString(), isBinary]).toEqual(['x'.repeat(5000), false]);
  });

  it('sends headers and origin; ws+unix is not needed for them', async () => {
    const { wss, url } = await realServer();
    const conn = next<[unknown, IncomingMessage]>(wss, 'connection');
    await open(url, [], { headers: { 'X-Hello': 'there' }, origin: 'https://o.test' });
    const [, req] = await conn;
    expect(req.headers['x-hello']).toBe('there');
    expect(req.headers.origin).toBe('https://o.test');
  });
});

describe('ws face client: handshake failures', () => {
  it("'unexpected-response' gets the request and response; without a listener, error then close", async () => {
    const http = createServer((_req, res) => {
      res.writeHead(401, { 'Content-Type': 'text/plain' });
      res.end('no');
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    cleanup(() => new Promise((r) => http.close(r)));
    const url = `ws://127.0.0.1:${(http.address() as AddressInfo).port}/`;
    const a = new WebSocket(url);
    const [, res] = await next<[unknown, IncomingMessage]>(a, 'unexpected-response');
    expect(res.statusCode).toBe(401);
    a.on('error', () => {});
    a.terminate();

    const b = new WebSocket(url);
    const events: string[] = [];
    b.on('error', (e) => events.push(`error ${e.message}`));
    b.on('close', (code) => events.push(`close ${code}`));
    await next(b, 'close');
    expect(events).toEqual(['error Unexpected server response: 401', 'close 1006']);
    expect(b.readyState).toBe(WebSocket.CLOSED);
  });

  it('follows redirects (emitting redirect) up to maxRedirects', async () => {
    const { url } = await echo();
    const target = `${url}/final`;
    const http = createServer((req, res) => {
      res.writeHead(302, { Location: req.url === '/loop' ? '/loop' : target });
      res.end();
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    cleanup(() => new Promise((r) => http.close(r)));
    const base = `ws://127.0.0.1:${(http.address() as AddressInfo).port}`;
    const ws = new WebSocket(`${base}/start`, { followRedirects: true });
    cleanup(() => ws.terminate());
    const [redirectUrl] = await next<[string]>(ws, 'redirect');
    expect(redirectUrl).toBe(target);
    await next(ws, 'open');
    expect(ws.url).toBe(target);

    const looping = new WebSocket(`${base}/loop`, { followRedirects: true, maxRedirects: 2 });
    const [err] = await next<[Error]>(looping, 'error');
    expect(err.message).toBe('Maximum redirects exceeded');
  });

  it('handshakeTimeout aborts a server that never answers', async () => {
    const http = createServer();
    const silent: Array<{ destroy(): void }> = [];
    http.on('upgrade', (_req, socket) => silent.push(socket)); // never answered
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    cleanup(() => new Promise((r) => { for (const s of silent) s.destroy(); http.close(r); }));
    const ws = new WebSocket(`ws://127.0.0.1:${(http.address() as AddressInfo).port}/`, { handshakeTimeout: 100 });
    const failed = next<[Error]>(ws, 'error');
    const closed = next(ws, 'close');
    expect((await failed)[0].message).toBe('Opening handshake has timed out');
    await closed;
  });

  it('close() and terminate() while connecting abort with an error', async () => {
    const { url } = await echo();
    for (const stop of ['close', 'terminate'] as const) {
      const ws = new WebSocket(url);
      const failed = next<[Error]>(ws, 'error');
      const closed = next<[number]>(ws, 'close');
      ws[stop]();
      expect((await failed)[0].message).toBe('WebSocket was closed before the connection was established');
      expect((await closed)[0]).toBe(1006);
    }
  });

  it('a refused connection is an error then close 1006', async () => {
    const http = createServer();
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    const port = (http.address() as AddressInfo).port;
    await new Promise((r) => http.close(r));
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
    const failed = next<[Error & { code?: string }]>(ws, 'error');
    const closed = next<[number]>(ws, 'close');
    expect((await failed)[0].code).toBe('ECONNREFUSED');
    expect((await closed)[0]).toBe(1006);
  });
});

describe('ws face client: sending and closing', () => {
  it('send: strings as text, buffers as binary, binary option, callbacks once written', async () => {
    const { url } = await echo();
    const ws = await open(url);
    const got: Array<[string, boolean]> = [];
    ws.on('message', (d, isBinary) => got.push([(d as Buffer).toString(), isBinary]));
    const done: Array<Error | undefined> = [];
    ws.send('text', (err) => done.push(err));
    ws.send(Buffer.from('bin'), { binary: true }, (err) => done.push(err));
    ws.send(Buffer.from('as text'), { binary: false });
    ws.send(new Uint8Array([104, 105]));
    ws.send(42);
    while (got.length < 5) await next(ws, 'message');
    expect(got).toEqual([['text', false], ['bin', true], ['as text', false], ['hi', true], ['42', false]]);
    expect(done).toEqual([undefined, undefined]);
  });

  it('send with fin false sends fragments of one message', async () => {
    const { url } = await echo();
    const ws = await open(url, [], { perMessageDeflate: false });
    const m = next<[Buffer, boolean]>(ws, 'message');
    ws.send('frag', { fin: false });
    ws.send('ment', { fin: false });
    ws.send('ed', { fin: true });
    const [d, isBinary] = await m;
    expect([d.toString(), isBinary]).toEqual(['fragmented', false]);
  });

  it('send while CONNECTING throws; after close the callback gets an error', async () => {
    const { url } = await echo();
    const ws = new WebSocket(url);
    cleanup(() => ws.terminate());
    expect(() => ws.send('x')).toThrow('WebSocket is not open: readyState 0 (CONNECTING)');
    expect(() => ws.ping()).toThrow(/CONNECTING/);
    await next(ws, 'open');
    ws.close();
    const err = await new Promise<Error | undefined>((resolve) => ws.send('late', resolve));
    expect(err?.message).toBe('WebSocket is not open: readyState 2 (CLOSING)');
    expect(ws.bufferedAmount).toBeGreaterThanOrEqual(4);
  });

  it('close() validates the code and reason as ws does', async () => {
    const { url } = await echo();
    const ws = await open(url);
    expect(() => ws.close(1005)).toThrow(TypeError);
    expect(() => ws.close(999)).toThrow('First argument must be a valid error code number');
    expect(() => ws.close(1000, 'x'.repeat(124))).toThrow(RangeError);
    expect(ws.readyState).toBe(WebSocket.OPEN);
    const closed = next<[number, Buffer]>(ws, 'close');
    ws.close(1000, Buffer.from('bye'));
    const [code, reason] = await closed;
    expect([code, reason.toString()]).toEqual([1000, 'bye']);
  });

  it('close() without a code: the peer sees 1005', async () => {
    const { wss, url } = await realServer();
    const serverClose = new Promise<number>((resolve) => wss.on('connection', (s) => s.on('close', (c) => resolve(c))));
    const ws = await open(url);
    ws.close();
    expect(await serverClose).toBe(1005);
  });

  it('ping over 125 bytes throws RangeError; ping/pong events carry data; callbacks run', async () => {
    const { wss, url } = await realServer();
    const srv = new Promise<import('ws').WebSocket>((resolve) => wss.on('connection', resolve));
    const ws = await open(url);
    const s = await srv;
    expect(() => ws.ping(Buffer.alloc(126))).toThrow(RangeError);
    const pong = next<[Buffer]>(ws, 'pong');
    const written = new Promise<Error | undefined>((resolve) => ws.ping('hey', undefined, resolve));
    expect(await written).toBeUndefined();
    expect((await pong)[0].toString()).toBe('hey');
    const ping = next<[Buffer]>(ws, 'ping');
    s.ping('from server');
    expect((await ping)[0].toString()).toBe('from server');
  });

  it('terminate: close 1006, and the server sees the connection drop', async () => {
    const { wss, url } = await realServer();
    const serverClose = new Promise<number>((resolve) => wss.on('connection', (s) => s.on('close', (c) => resolve(c))));
    const ws = await open(url);
    ws.terminate();
    expect(ws.readyState).toBe(WebSocket.CLOSING);
    const [code] = await next<[number]>(ws, 'close');
    expect(code).toBe(1006);
    expect(await serverClose).toBe(1006);
  });

  it('maxPayload: a larger message from the server fails with 1009', async () => {
    const { wss, url } = await realServer();
    wss.on('connection', (s) => s.send(Buffer.alloc(2000)));
    const ws = new WebSocket(url, { maxPayload: 1000 });
    const failed = next<[Error & { code: string }]>(ws, 'error');
    const closed = next(ws, 'close');
    expect((await failed)[0].code).toBe('WS_ERR_UNSUPPORTED_MESSAGE_LENGTH');
    await closed;
  });
});

describe('ws face client: reading', () => {
  it('binaryType: nodebuffer, arraybuffer, fragments, blob; invalid values are ignored', async () => {
    const { url } = await echo();
    const ws = await open(url);
    const kinds: string[] = [];
    ws.on('message', (d) => kinds.push(Buffer.isBuffer(d) ? 'buffer' : d instanceof ArrayBuffer ? 'arraybuffer' : Array.isArray(d) ? 'fragments' : d instanceof Blob ? 'blob' : typeof d));
    for (const t of ['nodebuffer', 'arraybuffer', 'fragments', 'blob'] as const) {
      ws.binaryType = t;
      ws.binaryType = 'nonsense' as never;
      expect(ws.binaryType).toBe(t);
      ws.send(Buffer.from([1]));
      await next(ws, 'message');
    }
    expect(kinds).toEqual(['buffer', 'arraybuffer', 'fragments', 'blob']);
  });

  it('pause() stops message events until resume()', async () => {
    const { wss, url } = await realServer();
    const srv = new Promise<import('ws').WebSocket>((resolve) => wss.on('connection', resolve));
    const ws = await open(url);
    const s = await srv;
    ws.pause();
    expect(ws.isPaused).toBe(true);
    let got = 0;
    ws.on('message', () => got++);
    s.send('one');
    await new Promise((r) => setTimeout(r, 200));
    expect(got).toBe(0);
    ws.resume();
    await next(ws, 'message');
    expect(got).toBe(1);
  });

  it('allowSynchronousEvents false: one message per event-loop turn, none lost, close last', async () => {
    const { wss, url } = await realServer();
    wss.on('connection', (s) => {
      for (let i = 0; i < 5; i++) s.send(String(i));
      s.close(4000);
    });
    const ws = new WebSocket(url, { allowSynchronousEvents: false });
    const order: string[] = [];
    ws.on('message', (d) => {
      order.push((d as Buffer).toString());
      queueMicrotask(() => order.push('tick'));
    });
    const [code] = await next<[number]>(ws, 'close');
    expect(code).toBe(4000);
    expect(order).toEqual(['0', 'tick', '1', 'tick', '2', 'tick', '3', 'tick', '4', 'tick']);
  });
});

describe('ws face client: EventTarget interface', () => {
  it('onopen/onmessage/onclose with ws-shaped events; addEventListener once; removeEventListener', async () => {
    const { url } = await echo();
    const ws = new WebSocket(url);
    cleanup(() => ws.terminate());
    const seen: unknown[] = [];
    ws.onopen = (e) => {
      seen.push(['open', e.type, e.target === ws]);
      ws.send('hello');
      ws.send(Buffer.from([7]));
    };
    ws.onmessage = (e) => seen.push(['message', (e as { data: unknown }).data]);
    const onceListener = (): void => void seen.push('once');
    ws.addEventListener('message', onceListener, { once: true });
    ws.addEventListener('message', onceListener, { once: true }); // a duplicate is not added
    const removed = (): void => void seen.push('removed');
    ws.addEventListener('message', removed);
    ws.removeEventListener('message', removed);
    const closed = new Promise<{ code: number; reason: string; wasClean: boolean }>((resolve) => {
      ws.onclose = (e) => resolve(e as unknown as { code: number; reason: string; wasClean: boolean });
    });
    expect(typeof ws.onmessage).toBe('function');
    while (seen.filter((x) => Array.isArray(x) && x[0] === 'message').length < 2) await next(ws, 'message');
    ws.close(1000, 'done');
    const e = await closed;
    expect([e.code, e.reason, e.wasClean]).toEqual([1000, 'done', true]);
    expect(seen).toEqual([['open', 'open', true], ['message', 'hello'], 'once', ['message', Buffer.from([7])]]);
    ws.onmessage = null;
    expect(ws.onmessage).toBeNull();
  });

  it('onerror receives an ErrorEvent with error and message', async () => {
    const ws = new WebSocket('ws://127.0.0.1:1/');
    const e = await new Promise<{ error: Error; message: string; type: string }>((resolve) => {
      ws.onerror = (ev) => resolve(ev as unknown as { error: Error; message: string; type: string });
    });
    expect(e.type).toBe('error');
    expect(e.error).toBeInstanceOf(Error);
    expect(e.message).toBe(e.error.message);
  });
});

describe('createWebSocketStream', () => {
  it('round-trips chunks as messages both ways, and ends with the socket', async () => {
    const { url } = await echo();
    const ws = new WebSocket(url);
    cleanup(() => ws.terminate());
    const duplex = createWebSocketStream(ws);
    const chunks: Buffer[] = [];
    duplex.on('data', (c: Buffer) => chunks.push(c));
    duplex.write('first'); // written while CONNECTING: sent once open
    duplex.write(Buffer.from('second'));
    while (chunks.length < 2) await next(duplex, 'data');
    expect(chunks.map(String)).toEqual(['first', 'second']);
    const ended = next(duplex, 'close');
    duplex.end();
    await ended;
    expect(ws.readyState).toBe(WebSocket.CLOSED);
  });

  it('backpressure: a reader that stops pauses the socket; reading resumes it', async () => {
    const { wss, url } = await realServer();
    const big = Buffer.alloc(64 * 1024, 1);
    wss.on('connection', (s) => {
      for (let i = 0; i < 64; i++) s.send(big);
    });
    const ws = new WebSocket(url);
    cleanup(() => ws.terminate());
    const duplex = createWebSocketStream(ws, { highWaterMark: 16 * 1024 });
    const start = Date.now();
    while (!ws.isPaused && Date.now() - start < 20000) await new Promise((r) => setTimeout(r, 20));
    expect(ws.isPaused).toBe(true);
    let bytes = 0;
    duplex.on('data', (c: Buffer) => (bytes += c.length));
    while (bytes < 64 * big.length) await next(duplex, 'data');
    expect(bytes).toBe(64 * big.length);
  });
});
