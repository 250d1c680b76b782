/**
 * Our client with `open(url, { http2: true })` against our server on Node's http2 servers
 * (RFC 8441): many WebSockets on one HTTP/2 session, the fallbacks to HTTP/1.1 (no
 * SETTINGS_ENABLE_CONNECT_PROTOCOL, a TLS server that picks http/1.1, an HTTP/1.1-only h2c
 * target), refusals, a 401 and authenticationRequired (each retry a new stream of the session),
 * close and abort on a shared session, and no sharing after ignored certificate errors.
 */
import { once } from 'node:events';
import { createSecureServer, createServer as createH2cServer, type Http2SecureServer, type Http2Server, type Http2Session } from 'node:http2';
import { describe, expect, it } from 'vitest';
import { Authenticator, SocketError, SslMode, WebSocket, WebSocketServer, type CloseCode } from '../../../src/index';
import { openSettled, type OpenOutcome } from '../../helpers/client';
import { useCleanups, useTestCerts } from '../../helpers/lifecycle';
import { echoEach } from '../../helpers/server';
import { until } from '../../helpers/wait';

const testCerts = useTestCerts();
const cleanups = useCleanups();

/** What reached the http2 server: sessions, extended CONNECT streams, HTTP/1.1 upgrades. */
interface Seen {
  sessions: Set<Http2Session>;
  connects: number;
  upgrades: number;
}

async function serve(options: { tls?: boolean; connectProtocol?: boolean; setup?: (wss: WebSocketServer) => void } = {}): Promise<{ url: string; wss: WebSocketServer; seen: Seen }> {
  const tls = options.tls ?? true;
  const http: Http2SecureServer | Http2Server = tls ? createSecureServer({ allowHTTP1: true, key: testCerts().server.key, cert: testCerts().server.cert }) : createH2cServer();
  const wss = new WebSocketServer('h2-client-test').attach(http, { path: '/ws' });
  wss.setSupportedSubprotocols(['chat.v1']);
  options.setup?.(wss);
  echoEach(wss, 'echo:');
  // a server that does not allow extended CONNECT (attach turned it on)
  if (options.connectProtocol === false) http.updateSettings({ enableConnectProtocol: false });
  const seen: Seen = { sessions: new Set(), connects: 0, upgrades: 0 };
  http.on('session', (s) => seen.sessions.add(s));
  http.on('stream', (_s, h) => {
    if (h[':protocol'] === 'websocket') seen.connects++;
  });
  http.on('upgrade', () => seen.upgrades++);
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  cleanups.push(async () => {
    wss.close();
    for (const s of seen.sessions) s.destroy();
    if ('closeAllConnections' in http) (http as unknown as { closeAllConnections(): void }).closeAllConnections();
    await new Promise<void>((r) => http.close(() => r()));
  });
  return { url: `${tls ? 'wss' : 'ws'}://127.0.0.1:${(http.address() as { port: number }).port}/ws`, wss, seen };
}

/** A client trusting the test CA, opened with http2 (and `options`); aborted after the test. */
async function open(url: string, options: { subprotocols?: string[]; perMessageDeflate?: boolean } = {}, setup?: (ws: WebSocket) => void): Promise<WebSocket> {
  const ws = new WebSocket();
  ws.setSslConfiguration({ caCertificates: [testCerts().ca] });
  setup?.(ws);
  cleanups.push(() => ws.abort());
  const outcome = await openSettled(ws, url, { ...options, http2: true });
  if (!outcome.connected) throw new Error(`open failed: ${SocketError[outcome.error ?? 0]} ${outcome.errorString}`);
  return ws;
}

/** Our own listening server (HTTP/1.1 only; TLS with ALPN http/1.1 in SecureMode), echoing; its URL. */
async function listeningHttp1Server(mode: SslMode): Promise<string> {
  const wss = new WebSocketServer('h1-only', mode);
  if (mode === SslMode.SecureMode) wss.setSslConfiguration({ localCertificate: testCerts().server.cert, privateKey: testCerts().server.key });
  echoEach(wss, 'echo:');
  if (!(await wss.listen('127.0.0.1', 0))) throw new Error(wss.errorString());
  cleanups.push(() => wss.close());
  return `${wss.serverUrl()}/`;
}

async function echo(ws: WebSocket, text: string): Promise<string> {
  const got = once(ws, 'textMessageReceived');
  ws.sendTextMessage(text);
  return String((await got)[0]);
}

const BASIC = `Basic ${Buffer.from('alice:wonder land').toString('base64')}`;

/**
 * An h2 server whose extended CONNECT streams get 401 with a Basic challenge until they carry
 * {@link BASIC}, then go to our server (handleStream). Records each stream's Authorization.
 */
async function protectedServer(): Promise<{ url: string; attempts: Array<string | undefined>; sessions: Set<Http2Session> }> {
  const http = createSecureServer({ key: testCerts().server.key, cert: testCerts().server.cert, settings: { enableConnectProtocol: true } });
  const wss = new WebSocketServer('h2-auth-test');
  echoEach(wss, 'echo:');
  const attempts: Array<string | undefined> = [];
  const sessions = new Set<Http2Session>();
  http.on('session', (s) => sessions.add(s));
  http.on('stream', (stream, headers) => {
    attempts.push(headers.authorization);
    if (headers.authorization === BASIC) {
      wss.handleStream(stream, headers);
      return;
    }
    stream.respond({ ':status': 401, 'www-authenticate': 'Basic realm="h2-realm", charset="UTF-8"', 'content-length': '0' });
    stream.end();
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  cleanups.push(async () => {
    wss.close();
    for (const s of sessions) s.destroy();
    await new Promise<void>((r) => http.close(() => r()));
  });
  return { url: `wss://127.0.0.1:${(http.address() as { port: number }).port}/ws`, attempts, sessions };
}

/** Opens `url` over h2; `fill` is what the authenticationRequired slot fills in (null: no slot). */
async function openAuthenticating(url: string, fill: [string, string] | null): Promise<OpenOutcome & { asked: string[] }> {
  const ws = new WebSocket();
  ws.setSslConfiguration({ caCertificates: [testCerts().ca] });
  cleanups.push(() => ws.abort());
  const asked: string[] = [];
  ws.on('authenticationRequired', (auth) => {
    expect(auth).toBeInstanceOf(Authenticator);
    asked.push(auth.realm());
    if (fill !== null) {
      auth.setUser(fill[0]);
      auth.setPassword(fill[1]);
    }
  });
  const outcome = await openSettled(ws, url, { http2: true });
  if (outcome.connected) expect(await echo(ws, 'authenticated')).toBe('echo:authenticated');
  return { ...outcome, asked };
}

describe('open(url, { http2: true })', () => {
  it('opens many WebSockets as extended CONNECT streams on one HTTP/2 session, with subprotocol and permessage-deflate', async () => {
    const { url, seen } = await serve({ setup: (wss) => wss.setPerMessageDeflate(true) });
    const sockets = await Promise.all(Array.from({ length: 50 }, () => open(url, { subprotocols: ['chat.v1'], perMessageDeflate: true })));
    expect(seen.sessions.size).toBe(1);
    expect(seen.connects).toBe(50);
    expect(seen.upgrades).toBe(0);
    const replies = await Promise.all(sockets.map((ws, i) => echo(ws, `n${i} ✓`)));
    expect(replies).toEqual(sockets.map((_, i) => `echo:n${i} ✓`));
    expect(sockets[0].subprotocol()).toBe('chat.v1');
    expect(sockets[0].peerAddress()).toBe('127.0.0.1');
    // opened later, still the same session
    await open(url);
    expect(seen.sessions.size).toBe(1);
  });

  it('closes with codes both ways, and abort() of one stream leaves the session to the others', async () => {
    const { url, wss, seen } = await serve();
    const [a, b, c] = await Promise.all([open(url), open(url), open(url)]);
    await until(() => wss.connections().length === 3, 5000, () => 'three accepted');
    const [sa, sb] = wss.connections();
    const serverClosed = once(sa, 'disconnected');
    a.close(4001 as CloseCode, 'client bye');
    await serverClosed;
    expect([sa.closeCode(), sa.closeReason()]).toEqual([4001, 'client bye']);
    await until(() => a.state() === 0, 5000, () => 'a unconnected');
    const clientClosed = once(b, 'disconnected');
    sb.close(4002 as CloseCode, 'server bye');
    await clientClosed;
    expect([b.closeCode(), b.closeReason()]).toEqual([4002, 'server bye']);
    c.abort();
    const d = await open(url);
    expect(await echo(d, 'still here')).toBe('echo:still here');
    expect(seen.sessions.size).toBe(1);
  });

  it('reports a refused stream as Qt reports a refused upgrade (ConnectionRefusedError, the status in errorString)', async () => {
    const { url } = await serve({ setup: (wss) => wss.on('originAuthenticationRequired', (auth) => auth.setAllowed(false)) });
    const ws = new WebSocket('https://app.example');
    ws.setSslConfiguration({ caCertificates: [testCerts().ca] });
    cleanups.push(() => ws.abort());
    const outcome = await openSettled(ws, url, { http2: true });
    expect(outcome.error).toBe(SocketError.ConnectionRefusedError);
    expect(ws.errorString()).toMatch(/403/);
  });

  it("handles a 401 as over HTTP/1.1: the URL's credentials, then authenticationRequired, each retry a new stream of the one session", async () => {
    const fromUrl = await protectedServer();
    const a = await openAuthenticating(fromUrl.url.replace('wss://', `wss://alice:${encodeURIComponent('wonder land')}@`), ['never', 'used']);
    expect(a.connected, a.errorString).toBe(true);
    expect(fromUrl.attempts).toEqual([undefined, BASIC]);
    expect(a.asked).toEqual([]);
    expect(fromUrl.sessions.size).toBe(1);

    const fromSlot = await protectedServer();
    const b = await openAuthenticating(fromSlot.url, ['alice', 'wonder land']);
    expect(b.connected, b.errorString).toBe(true);
    expect(b.asked).toEqual(['h2-realm']);
    expect(fromSlot.attempts).toEqual([undefined, BASIC]);
    expect(fromSlot.sessions.size).toBe(1);
  });

  it('a 401 whose credentials are refused and not changed by the slot ends in ConnectionRefusedError, the status in errorString()', async () => {
    const { url, attempts, sessions } = await protectedServer();
    const r = await openAuthenticating(url.replace('wss://', 'wss://alice:wrong@'), ['alice', 'also wrong']);
    expect(r.error).toBe(SocketError.ConnectionRefusedError);
    expect(r.errorString).toMatch(/401/);
    expect(r.errorString).not.toContain('wrong');
    // none, the URL's, the slot's; the slot's second answer is the same: no fourth stream
    expect(attempts).toHaveLength(3);
    expect(r.asked).toHaveLength(2);
    expect(sessions.size).toBe(1);

    const silent = await openAuthenticating(url, null);
    expect(silent.error).toBe(SocketError.ConnectionRefusedError);
    expect(silent.asked).toEqual(['h2-realm']);
  });

  it('falls back to HTTP/1.1 when the server does not advertise SETTINGS_ENABLE_CONNECT_PROTOCOL', async () => {
    const { url, seen } = await serve({ connectProtocol: false });
    const ws = await open(url);
    expect(await echo(ws, 'h1')).toBe('echo:h1');
    expect(seen.connects).toBe(0);
    expect(seen.upgrades).toBe(1);
  });

  it('runs HTTP/1.1 on the TLS connection when the server picks http/1.1 by ALPN', async () => {
    const ws = await open(await listeningHttp1Server(SslMode.SecureMode));
    expect(await echo(ws, 'alpn')).toBe('echo:alpn');
  });

  it('speaks h2c to an h2c server for ws://, and falls back to HTTP/1.1 against a server that speaks only that', async () => {
    const { url, seen } = await serve({ tls: false });
    const ws = await open(url);
    expect(await echo(ws, 'h2c')).toBe('echo:h2c');
    expect(seen.connects).toBe(1);

    const ws1 = await open(await listeningHttp1Server(SslMode.NonSecureMode));
    expect(await echo(ws1, 'h1')).toBe('echo:h1');
  });

  it('opens on a new connection when the pooled session ended before it heard (no error: the stream was never answered)', async () => {
    const { url, seen } = await serve({ tls: false });
    const a = await open(url);
    expect(await echo(a, 'a')).toBe('echo:a');
    a.close();
    await once(a, 'disconnected');
    // the server drops the idle session and, in the same tick, before the client has read that,
    // a new WebSocket takes the session from the pool: its stream can never be answered there
    for (const s of seen.sessions) s.destroy();
    const b = await open(url);
    expect(await echo(b, 'b')).toBe('echo:b');
    expect(seen.sessions.size).toBe(2);
    expect(seen.connects).toBe(2);
  });

  it('does not share a session whose certificate errors were ignored', async () => {
    const { url, seen } = await serve();
    const ignoring = (ws: WebSocket): void => {
      ws.setSslConfiguration({}); // the test CA is not trusted: the errors are ignored instead
      ws.on('sslErrors', () => ws.ignoreSslErrors());
    };
    const a = await open(url, {}, ignoring);
    const b = await open(url, {}, ignoring);
    expect(await echo(a, 'a')).toBe('echo:a');
    expect(await echo(b, 'b')).toBe('echo:b');
    expect(seen.sessions.size).toBe(2);
  });
});
