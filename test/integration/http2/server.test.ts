/**
 * The Qt face's WebSocketServer on Node's http2 servers (RFC 8441), driven by a raw HTTP/2 client
 * (node:http2) that writes exact frames: extended CONNECT streams beside HTTP/1.1 upgrades on one
 * TLS port, h2c, the refusals and their :status, masking, close (END_STREAM) and abort
 * (RST_STREAM), and flow control as the write cap's backpressure.
 */
import { connect as h2connect, constants as h2, createSecureServer, createServer as createH2cServer, type ClientHttp2Session, type ClientHttp2Stream, type Http2SecureServer, type Http2Server, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http2';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from '../../../src/index';
import { openSocket } from '../../helpers/client';
import { useCleanups, useTestCerts } from '../../helpers/lifecycle';
import { FrameReader, closePayload, frame } from '../../helpers/rawPeer';
import { echoEach } from '../../helpers/server';
import { until } from '../../helpers/wait';

const testCerts = useTestCerts();
const cleanups = useCleanups();

type AnyH2Server = Http2SecureServer | Http2Server;

/** An http2 server (TLS with HTTP/1.1 allowed, or h2c) with a WebSocketServer attached at /ws that echoes. */
async function serve(options: { tls?: boolean; withRequestHandler?: boolean; setup?: (wss: WebSocketServer) => void } = {}): Promise<{ http: AnyH2Server; wss: WebSocketServer; port: number; accepted: WebSocket[] }> {
  const tls = options.tls ?? true;
  const onRequest = options.withRequestHandler === false ? undefined : (_req: unknown, res: { end(s: string): void }): void => res.end('a page\n');
  const http: AnyH2Server = tls
    ? createSecureServer({ allowHTTP1: true, key: testCerts().server.key, cert: testCerts().server.cert }, onRequest as never)
    : createH2cServer({}, onRequest as never);
  const wss = new WebSocketServer('h2-test').attach(http, { path: '/ws' });
  wss.setSupportedSubprotocols(['chat.v1']);
  options.setup?.(wss);
  const accepted = echoEach(wss, 'echo:');
  const sessions = new Set<{ destroy(): void }>();
  http.on('session', (s) => sessions.add(s));
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  cleanups.push(async () => {
    wss.close();
    for (const s of sessions) s.destroy();
    await new Promise<void>((r) => http.close(() => r()));
  });
  return { http, wss, port: (http.address() as { port: number }).port, accepted };
}

/** A raw HTTP/2 client session, its SETTINGS received. */
async function session(port: number, tls = true): Promise<ClientHttp2Session> {
  const s = tls ? h2connect(`https://127.0.0.1:${port}`, { ca: testCerts().ca }) : h2connect(`http://127.0.0.1:${port}`);
  s.on('error', () => {});
  cleanups.push(() => s.destroy());
  await once(s, 'remoteSettings');
  return s;
}

/** Opens an extended CONNECT stream and waits for its response header fields. */
async function connectStream(s: ClientHttp2Session, port: number, extra: OutgoingHttpHeaders = {}, path = '/ws', answerEnd = true): Promise<{ stream: ClientHttp2Stream; headers: IncomingHttpHeaders; reader: FrameReader }> {
  const stream = s.request({ ':method': 'CONNECT', ':protocol': 'websocket', ':scheme': 'https', ':path': path, ':authority': `127.0.0.1:${port}`, 'sec-websocket-version': '13', ...extra });
  stream.on('error', () => {});
  // as a TCP peer that does not stay half-open: the server's END_STREAM is answered with ours
  // (not after a reset: ending then would overwrite the rstCode a test looks at)
  if (answerEnd) stream.on('end', () => stream.end());
  const reader = new FrameReader(stream);
  const [headers] = (await once(stream, 'response')) as [IncomingHttpHeaders];
  return { stream, headers, reader };
}

describe('WebSocketServer attached to an http2 server', () => {
  it('advertises SETTINGS_ENABLE_CONNECT_PROTOCOL, answers :status 200 with the subprotocol, and echoes masked frames on the stream', async () => {
    const { port, accepted } = await serve();
    const s = await session(port);
    expect(s.remoteSettings.enableConnectProtocol).toBe(true);
    const { stream, headers, reader } = await connectStream(s, port, { 'sec-websocket-protocol': 'x, chat.v1', origin: 'https://app.example' });
    expect(headers[':status']).toBe(200);
    expect(headers['sec-websocket-protocol']).toBe('chat.v1');
    expect(headers['sec-websocket-accept']).toBeUndefined(); // no key sent: none to answer
    expect(headers.server).toBe('h2-test');
    stream.write(frame(1, 'héllo', { mask: true }));
    const f = await reader.next();
    expect(f).toMatchObject({ opcode: 1, masked: false });
    expect(f!.payload.toString()).toBe('echo:héllo');
    await until(() => accepted.length === 1, 5000, () => 'accepted');
    const ws = accepted[0];
    expect(ws.subprotocol()).toBe('chat.v1');
    expect(ws.origin()).toBe('https://app.example');
    expect(new URL(ws.requestUrl()).pathname).toBe('/ws');
    expect(ws.peerAddress()).toBe('127.0.0.1');
    // headers of the request, pseudo-headers left out
    expect(ws.request().headers.some(([k]) => k.startsWith(':'))).toBe(false);
    expect(ws.request().headers).toContainEqual(['origin', 'https://app.example']);
  });

  it('answers Sec-WebSocket-Accept when the client sent a key, and negotiates permessage-deflate', async () => {
    const { port } = await serve({ setup: (wss) => wss.setPerMessageDeflate(true) });
    const s = await session(port);
    const key = 'dGhlIHNhbXBsZSBub25jZQ==';
    const { headers } = await connectStream(s, port, { 'sec-websocket-key': key, 'sec-websocket-extensions': 'permessage-deflate; client_max_window_bits' });
    expect(headers[':status']).toBe(200);
    expect(headers['sec-websocket-accept']).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo='); // RFC 6455 §1.3's example
    expect(String(headers['sec-websocket-extensions'])).toMatch(/^permessage-deflate/);
  });

  it.each([
    ['an unsupported version', { 'sec-websocket-version': '8' }, '/ws', 400],
    ['a malformed extension offer', { 'sec-websocket-extensions': 'permessage-deflate; =' }, '/ws', 400],
    ['an origin the server refuses', { origin: 'https://evil.example' }, '/ws', 403],
    ['a path no server serves', {}, '/elsewhere', 404],
  ])('refuses %s with the right :status and ends the stream', async (_what, extra, path, status) => {
    const { port, wss } = await serve({
      setup: (w) => w.on('originAuthenticationRequired', (auth) => auth.setAllowed(auth.origin() !== 'https://evil.example')),
    });
    const errors: number[] = [];
    wss.on('serverError', (c) => errors.push(c));
    const s = await session(port);
    const { stream, headers } = await connectStream(s, port, extra as OutgoingHttpHeaders, path);
    expect(headers[':status']).toBe(status);
    stream.resume();
    await once(stream, 'end');
    expect(wss.connections()).toHaveLength(0);
    if (status !== 404) expect(errors).toHaveLength(1);
  });

  it('fails an unmasked client frame with 1002, as on TCP', async () => {
    const { port } = await serve();
    const s = await session(port);
    const { stream, reader } = await connectStream(s, port);
    stream.write(frame(1, 'no mask'));
    const f = await reader.next();
    expect(f?.opcode).toBe(8);
    expect(f!.payload.readUInt16BE(0)).toBe(1002);
    await reader.waitClosed();
  });

  it('closes with END_STREAM after the close handshake, and abort() resets the stream with RST_STREAM CANCEL', async () => {
    const { port, accepted } = await serve();
    const s = await session(port);
    const one = await connectStream(s, port);
    one.stream.write(frame(8, closePayload(1000, 'bye'), { mask: true }));
    const echoed = await one.reader.next();
    expect(echoed?.opcode).toBe(8);
    await one.reader.waitClosed(); // the server ended first (RFC 6455 §7.1.1), the client answered
    expect(one.stream.rstCode).toBe(h2.NGHTTP2_NO_ERROR);

    const two = await connectStream(s, port, {}, '/ws', false);
    await until(() => accepted.length === 2, 5000, () => 'second accepted');
    accepted[1].abort();
    await two.reader.waitClosed();
    expect(two.stream.rstCode).toBe(h2.NGHTTP2_CANCEL);
    expect(s.destroyed).toBe(false); // the session and its other streams go on
  });

  it('takes HTTP/1.1 upgrades on the same TLS port (allowHTTP1)', async () => {
    const { port } = await serve();
    const ws = await openSocket(`wss://127.0.0.1:${port}/ws`, cleanups, (c) => c.setSslConfiguration({ caCertificates: [testCerts().ca] }));
    const got = once(ws, 'textMessageReceived');
    ws.sendTextMessage('h1');
    expect((await got)[0]).toBe('echo:h1');
  });

  it('serves h2c (http2.createServer) and a server with no request handler (stream API only)', async () => {
    for (const opts of [{ tls: false }, { withRequestHandler: false }]) {
      const { port } = await serve(opts);
      const s = await session(port, opts.tls ?? true);
      const { stream, headers, reader } = await connectStream(s, port);
      expect(headers[':status']).toBe(200);
      stream.write(frame(1, 'x', { mask: true }));
      expect((await reader.next())?.payload.toString()).toBe('echo:x');
    }
  });

  it('leaves other streams alone: plain requests reach the request handler, a CONNECT for another protocol is not taken', async () => {
    const { port } = await serve();
    const s = await session(port);
    const get = s.request({ ':path': '/' });
    get.setEncoding('utf8');
    let body = '';
    get.on('data', (d: string) => (body += d));
    await once(get, 'end');
    expect(body).toBe('a page\n');
    const other = s.request({ ':method': 'CONNECT', ':authority': 'example.com:443' });
    other.on('error', () => {});
    const [h] = (await once(other, 'response')) as [IncomingHttpHeaders];
    expect(h[':status']).toBe(405); // what Node answers without a 'connect' listener of the user's
  });

  it('HTTP/2 flow control is the backpressure: unsent bytes count in bytesToWrite, and drained follows when the peer reads', async () => {
    const { port, accepted } = await serve();
    const s = await session(port);
    const { stream } = await connectStream(s, port);
    stream.pause(); // the client stops reading: its window is not given back
    await until(() => accepted.length === 1, 5000, () => 'accepted');
    const ws = accepted[0];
    ws.setWriteWatermarks(256 * 1024, 16 * 1024);
    ws.sendBinaryMessage(Buffer.alloc(2 * 1024 * 1024, 7));
    await new Promise((r) => setTimeout(r, 200));
    // the initial window (65535 bytes) and some buffering went out; most of 2 MiB waits
    expect(ws.bytesToWrite()).toBeGreaterThan(1024 * 1024);
    const drained = once(ws, 'drained');
    let received = 0;
    stream.on('data', (d: Buffer) => (received += d.length));
    stream.resume();
    await drained;
    await until(() => received >= 2 * 1024 * 1024, 10000, () => `received ${received}`);
  });

  it("the write cap counts what flow control holds back: over it, the 'close' policy fails the connection with 1008", async () => {
    const { port, accepted } = await serve();
    const s = await session(port);
    const { stream } = await connectStream(s, port);
    stream.pause();
    await until(() => accepted.length === 1, 5000, () => 'accepted');
    const ws = accepted[0];
    ws.setMaxBufferedBytes(512 * 1024, 'close');
    expect(ws.sendBinaryMessage(Buffer.alloc(400 * 1024))).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 100)); // the peer's window (64 KiB) took a little of it
    const gone = once(ws, 'disconnected');
    expect(ws.sendBinaryMessage(Buffer.alloc(400 * 1024))).toBe(0);
    await gone;
    expect(ws.closeCode()).toBe(1008);
  });
});
