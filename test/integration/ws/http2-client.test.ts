/**
 * The ws face's client with `http2: true` (RFC 8441) against our servers on Node's http2 and
 * https servers: many WebSockets as extended CONNECT streams on one session (the server counts
 * sessions and streams), the HTTP/1.1 fallbacks (a plain https server: ALPN http/1.1, on the
 * same TLS connection; an h2 server without SETTINGS_ENABLE_CONNECT_PROTOCOL), ws's events on
 * HTTP/2 ('upgrade', 'unexpected-response', 'error'), close and terminate on a shared session,
 * permessage-deflate, and which TLS options share a session.
 */
import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { createSecureServer, type ClientHttp2Stream, type Http2SecureServer, type Http2Session } from 'node:http2';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { WebSocketServer as QtServer } from '../../../src/index';
import { WebSocket, WebSocketServer, type ClientOptions, type ServerOptions } from '../../../src/ws/index';
import { useTestCerts } from '../../helpers/lifecycle';
import { echoEach } from '../../helpers/server';
import { until } from '../../helpers/wait';
import { cleanup, closeQuietly, next, useCleanups } from './helpers';

const testCerts = useTestCerts();
useCleanups();

/** What reached the server: HTTP/2 sessions, extended CONNECT streams, HTTP/1.1 upgrades, TCP connections. */
interface Seen {
  sessions: Set<Http2Session>;
  connects: number;
  upgrades: number;
  connections: number;
}

/** Counts what reaches `http` and closes it (and its sessions) after the test. */
async function listen(http: Http2SecureServer | ReturnType<typeof createHttpsServer>, close: () => unknown): Promise<{ url: string; seen: Seen }> {
  const seen: Seen = { sessions: new Set(), connects: 0, upgrades: 0, connections: 0 };
  http.on('session', (s: Http2Session) => seen.sessions.add(s));
  http.on('stream', (_s: unknown, h: Record<string, unknown>) => {
    if (h[':protocol'] === 'websocket') seen.connects++;
  });
  http.on('upgrade', () => seen.upgrades++);
  http.on('secureConnection', () => seen.connections++);
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  cleanup(async () => {
    await close();
    for (const s of seen.sessions) s.destroy();
    (http as { closeAllConnections?: () => void }).closeAllConnections?.();
    await new Promise<void>((r) => http.close(() => r()));
  });
  return { url: `wss://127.0.0.1:${(http.address() as { port: number }).port}/ws`, seen };
}

const h2Server = (): Http2SecureServer => createSecureServer({ allowHTTP1: true, key: testCerts().server.key, cert: testCerts().server.cert });

/** The Qt face attached to an http2 server, echoing text with 'echo:'. */
async function qtServer(options: { connectProtocol?: boolean } = {}): Promise<{ url: string; seen: Seen; wss: QtServer }> {
  const http = h2Server();
  const wss = new QtServer('ws-h2-client').attach(http, { path: '/ws' });
  wss.setSupportedSubprotocols(['chat.v1']);
  // a server that does not allow extended CONNECT (attach turned it on)
  if (options.connectProtocol === false) http.updateSettings({ enableConnectProtocol: false });
  echoEach(wss, 'echo:');
  return { ...(await listen(http, () => wss.close())), wss };
}

/** The ws face's `server:` option on an http2 (or, with `https`, an https) server, echoing text with 'echo:'. */
async function wsServer(options: Omit<ServerOptions, 'port' | 'server' | 'noServer'> = {}, https = false): Promise<{ url: string; seen: Seen; wss: WebSocketServer }> {
  const http = https ? createHttpsServer({ key: testCerts().server.key, cert: testCerts().server.cert }) : h2Server();
  const wss = new WebSocketServer({ path: '/ws', ...options, server: http });
  wss.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(isBinary ? data : `echo:${String(data)}`)));
  const close = (): Promise<void> => new Promise((r) => {
    for (const c of wss.clients) c.terminate();
    wss.close(() => r());
  });
  return { ...(await listen(http, close)), wss };
}

/** A client trusting the test CA, with http2; terminated after the test. */
function client(url: string, protocols: string[] = [], options: ClientOptions = {}): WebSocket {
  const ws = new WebSocket(url, protocols, { ca: testCerts().ca, http2: true, ...options });
  cleanup(() => closeQuietly(ws));
  return ws;
}

async function opened(url: string, protocols: string[] = [], options: ClientOptions = {}): Promise<WebSocket> {
  const ws = client(url, protocols, options);
  const failed = next<[Error]>(ws, 'error').then(([e]) => {
    throw e;
  });
  await Promise.race([once(ws, 'open'), failed]);
  return ws;
}

async function echo(ws: WebSocket, text: string): Promise<string> {
  const got = next<[Buffer]>(ws, 'message');
  ws.send(text);
  return String((await got)[0]);
}

describe('qwebsocket/ws client with http2: true', () => {
  it('opens on a new connection when the pooled session ended before it heard', async () => {
    const { url, seen } = await qtServer();
    const a = await opened(url);
    expect(await echo(a, 'a')).toBe('echo:a');
    a.close();
    await once(a, 'close');
    // the server drops the idle session; in the same tick a new WebSocket takes it from the pool
    for (const s of seen.sessions) s.destroy();
    const b = await opened(url);
    expect(await echo(b, 'b')).toBe('echo:b');
    expect(seen.sessions.size).toBe(2);
    expect(seen.connects).toBe(2);
  });

  it("opens many WebSockets as extended CONNECT streams on one session to the Qt face; 'upgrade' gets the :status and headers", async () => {
    const { url, seen } = await qtServer();
    const upgrades: IncomingMessage[] = [];
    const sockets = await Promise.all(Array.from({ length: 20 }, () => opened(url, ['chat.v1'])));
    const late = client(url, ['chat.v1']);
    late.on('upgrade', (res) => upgrades.push(res));
    await once(late, 'open');
    expect(seen.sessions.size).toBe(1);
    expect(seen.connections).toBe(1);
    expect(seen.connects).toBe(21);
    expect(seen.upgrades).toBe(0);
    const replies = await Promise.all(sockets.map((ws, i) => echo(ws, `n${i} ✓`)));
    expect(replies).toEqual(sockets.map((_, i) => `echo:n${i} ✓`));
    expect(sockets[0].protocol).toBe('chat.v1');
    const [res] = upgrades;
    expect([res.statusCode, res.statusMessage, res.httpVersion]).toEqual([200, '', '2.0']);
    expect(res.headers['sec-websocket-protocol']).toBe('chat.v1');
    expect(res.headers[':status']).toBeUndefined();
    expect(res.rawHeaders).toContain('sec-websocket-protocol');
    expect(await echo(late, 'late')).toBe('echo:late');
  });

  it("runs against the ws face on an h2 server: the server's first message arrives, close codes both ways, terminate leaves the session to the others", async () => {
    const { url, seen, wss } = await wsServer();
    const accepted: WebSocket[] = [];
    wss.on('connection', (ws, req) => {
      accepted.push(ws);
      if (accepted.length === 1) ws.send(`hello ${req.httpVersion}`);
    });
    const a = client(url);
    const first = next<[Buffer]>(a, 'message');
    await once(a, 'open');
    expect(String((await first)[0])).toBe('hello 2.0');
    const [b, c] = await Promise.all([opened(url), opened(url)]);
    await until(() => accepted.length === 3, 5000, () => 'three accepted');

    const serverSaw = next<[number, Buffer]>(accepted[0], 'close');
    a.close(4001, 'client bye');
    const [code, reason] = await serverSaw;
    expect([code, String(reason)]).toEqual([4001, 'client bye']);
    const clientSaw = next<[number, Buffer]>(b, 'close');
    accepted[1].close(4002, 'server bye');
    const [code2, reason2] = await clientSaw;
    expect([code2, String(reason2)]).toEqual([4002, 'server bye']);
    expect(b.cleanClose).toBe(true);

    const terminated = next<[number]>(accepted[2], 'close');
    c.terminate();
    expect((await terminated)[0]).toBe(1006);
    const d = await opened(url);
    expect(await echo(d, 'still here')).toBe('echo:still here');
    expect(seen.sessions.size).toBe(1);
    expect(seen.connects).toBe(4);
  });

  it('negotiates permessage-deflate over h2 and really compresses', async () => {
    const { url, seen } = await wsServer({ perMessageDeflate: true });
    const ws = await opened(url);
    expect(ws.extensions).toBe('permessage-deflate');
    const big = 'compressible '.repeat(20_000);
    expect(await echo(ws, big)).toBe(`echo:${big}`);
    const [session] = seen.sessions;
    // 260 kB of text went up the session's one TLS connection in far fewer bytes
    expect(session.socket.bytesRead).toBeLessThan(big.length / 10);
  });

  it('falls back to HTTP/1.1 on the same TLS connection when the server picks http/1.1 by ALPN', async () => {
    const { url, seen } = await wsServer({}, true);
    const upgrades: IncomingMessage[] = [];
    const ws = client(url);
    ws.on('upgrade', (res) => upgrades.push(res));
    await once(ws, 'open');
    expect(await echo(ws, 'h1')).toBe('echo:h1');
    expect(upgrades[0].statusCode).toBe(101);
    expect(upgrades[0].httpVersion).toBe('1.1');
    expect(seen.connections).toBe(1);
    expect(seen.upgrades).toBe(1);
  });

  it('falls back to HTTP/1.1 when the server does not advertise SETTINGS_ENABLE_CONNECT_PROTOCOL', async () => {
    const { url, seen } = await qtServer({ connectProtocol: false });
    const ws = await opened(url);
    expect(await echo(ws, 'h1')).toBe('echo:h1');
    expect(seen.connects).toBe(0);
    expect(seen.upgrades).toBe(1);
  });

  it("reports a refused stream (403) to 'unexpected-response' with the status, headers and body; without a listener as 'error'", async () => {
    const { url } = await wsServer({ verifyClient: (info, done) => done(info.origin !== 'https://evil.example', 403, 'Go away') });
    const ws = client(url, [], { origin: 'https://evil.example' });
    const [req, res] = await next<[ClientHttp2Stream, IncomingMessage]>(ws, 'unexpected-response');
    expect(res.statusCode).toBe(403);
    expect(res.httpVersion).toBe('2.0');
    expect(String(res.headers['content-type'])).toMatch(/^text\/plain/);
    let body = '';
    for await (const chunk of res) body += String(chunk);
    expect(body).toBe('Go away');
    expect(typeof req.close).toBe('function');
    expect(ws.readyState).toBe(WebSocket.CONNECTING);
    const errored = next<[Error]>(ws, 'error');
    const closed = next<[number]>(ws, 'close');
    ws.terminate();
    expect((await errored)[0].message).toBe('WebSocket was closed before the connection was established');
    expect((await closed)[0]).toBe(1006);

    const unheard = client(url, [], { origin: 'https://evil.example' });
    const unheardClosed = next<[number]>(unheard, 'close');
    const [err] = await next<[Error]>(unheard, 'error');
    expect(err.message).toBe('Unexpected server response: 403');
    expect((await unheardClosed)[0]).toBe(1006);
  });

  it('checks the 200 answer as ws does (an offered subprotocol must be chosen)', async () => {
    const { url } = await wsServer({ handleProtocols: () => false });
    const ws = client(url, ['chat.v1']);
    const closed = next<[number]>(ws, 'close');
    const [err] = await next<[Error]>(ws, 'error');
    expect(err.message).toBe('Server sent no subprotocol');
    expect((await closed)[0]).toBe(1006);
  });

  it('shares a session only between sockets with the same TLS options whose server verified', async () => {
    const { url, seen } = await wsServer();
    await opened(url);
    await opened(url);
    expect(seen.sessions.size).toBe(1);
    await opened(url, [], { minVersion: 'TLSv1.2' });
    expect(seen.sessions.size).toBe(2);
    // not verified: each its own session
    await opened(url, [], { ca: undefined, rejectUnauthorized: false });
    await opened(url, [], { ca: undefined, rejectUnauthorized: false });
    expect(seen.sessions.size).toBe(4);
    // refused by OpenSSL: ws's error is the TLS one
    const untrusted = client(url, [], { ca: undefined });
    const [err] = await next<[Error & { code?: string }]>(untrusted, 'error');
    expect(err.code).toMatch(/CERT|SELF_SIGNED|UNABLE/);
  });

  it("answers a 401 over h2 as ws answers one over HTTP/1.1: 'unexpected-response' with the challenge, else 'error'; URL credentials go with the first stream", async () => {
    const basic = `Basic ${Buffer.from('alice:s3cret').toString('base64')}`;
    const seenAuth: Array<string | undefined> = [];
    const { url, seen } = await wsServer({
      verifyClient: (info, done) => {
        seenAuth.push(info.req.headers.authorization);
        if (info.req.headers.authorization === basic) done(true);
        else done(false, 401, 'Who are you?', { 'WWW-Authenticate': 'Basic realm="ws-h2"' });
      },
    });
    const ws = client(url);
    const [, res] = await next<[ClientHttp2Stream, IncomingMessage]>(ws, 'unexpected-response');
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Basic realm="ws-h2"');
    let body = '';
    for await (const chunk of res) body += String(chunk);
    expect(body).toBe('Who are you?');
    const aborted = next<[Error]>(ws, 'error');
    ws.terminate();
    expect((await aborted)[0].message).toBe('WebSocket was closed before the connection was established');

    const unheard = client(url);
    const events: string[] = [];
    unheard.on('error', (e) => events.push(`error ${e.message}`));
    unheard.on('close', (code) => events.push(`close ${code}`));
    await next(unheard, 'close');
    expect(events).toEqual(['error Unexpected server response: 401', 'close 1006']);

    // ws sends the URL's credentials at once (Basic); so does the h2 stream
    const withCreds = await opened(url.replace('wss://', 'wss://alice:s3cret@'));
    expect(await echo(withCreds, 'in')).toBe('echo:in');
    expect(seenAuth).toEqual([undefined, undefined, basic]);
    expect(seen.connects).toBe(3);
    expect(seen.upgrades).toBe(0);
    expect(seen.sessions.size).toBe(1);
  });

  it("follows a redirect answered over h2 on HTTP/1.1 ('redirect' with its request); without followRedirects it is 'unexpected-response'", async () => {
    const { url, seen } = await wsServer({
      path: undefined,
      verifyClient: (info, done) => (info.req.url === '/old' ? done(false, 302, 'moved', { Location: '/ws' }) : done(true)),
    });
    const old = url.replace(/\/ws$/, '/old');
    const ws = client(old, [], { followRedirects: true });
    const [to, req] = await next<[string, { method: string }]>(ws, 'redirect');
    expect(to).toBe(url);
    expect(req.method).toBe('GET');
    await once(ws, 'open');
    expect(ws.url).toBe(url);
    expect(await echo(ws, 'moved')).toBe('echo:moved');
    expect([seen.connects, seen.upgrades]).toEqual([1, 1]);

    const looping = client(old, [], { followRedirects: true, maxRedirects: 0 });
    expect((await next<[Error]>(looping, 'error'))[0].message).toBe('Maximum redirects exceeded');

    const plain = client(old);
    const [, res] = await next<[unknown, IncomingMessage]>(plain, 'unexpected-response');
    expect([res.statusCode, res.headers.location]).toEqual([302, '/ws']);
  });

  it('handshakeTimeout aborts an extended CONNECT the server never answers; a bad header throws at once as in ws', async () => {
    const http = h2Server();
    http.updateSettings({ enableConnectProtocol: true });
    const { url, seen } = await listen(http, () => {});
    const ws = client(url, [], { handshakeTimeout: 200 });
    const closed = next<[number]>(ws, 'close');
    const [err] = await next<[Error]>(ws, 'error');
    expect(err.message).toBe('Opening handshake has timed out');
    expect((await closed)[0]).toBe(1006);
    expect(seen.connects).toBe(1);

    expect(() => new WebSocket(url, { http2: true, headers: { 'x-bad': 'a\r\nb' } })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_CHAR' }));
    expect(() => new WebSocket(url, { http2: true, headers: { 'bad name': 'v' } })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_HTTP_TOKEN' }));
  });

  it('reports a refused connection as ws does (the ECONNREFUSED error)', async () => {
    const free = createNetServer();
    await new Promise<void>((r) => free.listen(0, '127.0.0.1', r));
    const port = (free.address() as { port: number }).port;
    await new Promise<void>((r) => free.close(() => r()));
    const ws = client(`wss://127.0.0.1:${port}/ws`);
    const [err] = await next<[Error & { code?: string }]>(ws, 'error');
    expect(err.code).toBe('ECONNREFUSED');
  });
});
