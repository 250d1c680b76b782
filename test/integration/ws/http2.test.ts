/**
 * The ws face's WebSocketServer with `server:` an http2 server (RFC 8441): extended CONNECT
 * streams go through ws's hooks as upgrades do (verifyClient, handleProtocols, the editable
 * 'headers' lines, 'connection' with the request), and HTTP/1.1 upgrades of `ws` (npm) still work
 * on the same TLS port (allowHTTP1).
 */
import { once } from 'node:events';
import { createSecureServer, createServer as createH2cServer, type Http2SecureServer, type Http2Server, type Http2Session } from 'node:http2';
import { describe, expect, it } from 'vitest';
import { WebSocket as RealWs } from 'ws';
import { WebSocketServer, type ServerOptions } from '../../../src/ws/index';
import { useTestCerts } from '../../helpers/lifecycle';
import { frame } from '../../helpers/rawPeer';
import { rawHttp2Connect } from '../../helpers/rawHttp2Peer';
import { useCleanups } from './helpers';

const testCerts = useTestCerts();
const cleanup = useCleanups();

/** The ws face on an http2 server (h2c, or TLS with allowHTTP1), echoing text with a prefix. */
async function serve(options: Omit<ServerOptions, 'port' | 'server' | 'noServer'>, tls = false): Promise<{ wss: WebSocketServer; port: number }> {
  const http: Http2Server | Http2SecureServer = tls ? createSecureServer({ allowHTTP1: true, key: testCerts().server.key, cert: testCerts().server.cert }) : createH2cServer();
  const sessions = new Set<Http2Session>();
  http.on('session', (s) => sessions.add(s));
  const wss = new WebSocketServer({ ...options, server: http });
  wss.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(isBinary ? data : `echo:${String(data)}`)));
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  cleanup(async () => {
    for (const c of wss.clients) c.terminate();
    await new Promise<void>((r) => wss.close(() => r()));
    for (const s of sessions) s.destroy();
    await new Promise<void>((r) => http.close(() => r()));
  });
  return { wss, port: (http.address() as { port: number }).port };
}

describe('qwebsocket/ws on an http2 server', () => {
  it("runs ws's hooks on an extended CONNECT: handleProtocols, 'headers' lines, 'connection' with the request; echoes", async () => {
    const seen: string[] = [];
    const { wss, port } = await serve({ path: '/ws', handleProtocols: (protocols) => (protocols.has('b') ? 'b' : false) });
    wss.on('headers', (lines, req) => {
      seen.push(`headers ${lines[0]} ${req.url}`);
      lines.push('X-Extra: 1');
    });
    const connected = once(wss, 'connection');
    const c = await rawHttp2Connect(port, '/ws?q=1', { 'sec-websocket-protocol': 'a, b' });
    expect(c.headers[':status']).toBe(200);
    expect(c.headers['sec-websocket-protocol']).toBe('b');
    expect(c.headers['x-extra']).toBe('1');
    const [ws, req] = await connected;
    expect(ws.protocol).toBe('b');
    expect(req.url).toBe('/ws?q=1');
    expect(req.headers['sec-websocket-protocol']).toBe('a, b');
    expect(seen).toEqual(['headers HTTP/2 200 /ws?q=1']);
    c.socket.write(frame(1, 'hi', { mask: true }));
    expect((await c.reader.next())?.payload.toString()).toBe('echo:hi');
  });

  it('answers a refusal by verifyClient, a path it does not serve, and a bad version with their :status', async () => {
    const { port } = await serve({ path: '/ws', verifyClient: (info, done) => done(info.origin !== 'https://evil.example', 403, 'Go away') });
    const refused = await rawHttp2Connect(port, '/ws', { origin: 'https://evil.example' });
    expect(refused.headers[':status']).toBe(403);
    expect((await rawHttp2Connect(port, '/elsewhere')).headers[':status']).toBe(404);
    expect((await rawHttp2Connect(port, '/ws', { 'sec-websocket-version': '8' })).headers[':status']).toBe(400);
    expect((await rawHttp2Connect(port, '/ws', { origin: 'https://ok.example' })).headers[':status']).toBe(200);
  });

  it('takes HTTP/1.1 upgrades of ws (npm) on the same TLS port', async () => {
    const { port } = await serve({}, true);
    const ws = new RealWs(`wss://127.0.0.1:${port}/`, { ca: testCerts().ca });
    cleanup(() => ws.terminate());
    await once(ws, 'open');
    ws.send('h1');
    const [data] = await once(ws, 'message');
    expect(String(data)).toBe('echo:h1');
  });
});
