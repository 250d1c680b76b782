/**
 * Interop with a real browser: headless Chromium (Debian's `chromium`) loads a page from an http
 * server that our WebSocketServer is attached to; the page's script talks WebSocket to it
 * (subprotocol, text with multibyte UTF-8, ArrayBuffers up to 1 MiB, close codes and reasons
 * both ways), once with permessage-deflate declined and once accepted, and POSTs what it saw to
 * /result. Each runs over HTTP/1.1 (an http server) and over HTTP/2 (an
 * `http2.createSecureServer` with a test certificate): there the page and its WebSockets share
 * one TLS connection, the sockets being RFC 8441 extended CONNECT streams, which the test checks
 * on the server's side.
 *
 * The demo page (examples/demo-page.html) is not loaded here: it sends nothing until a button is
 * clicked, so a page load alone would prove nothing about it.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createSecureServer, type Http2SecureServer, type Http2Session } from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer, type CloseCode, type WebSocket } from '../../src/index';
import { findBinary, headlessChromiumArgs, peerAvailable, startGroup } from '../helpers/spawnPeer';
import { makeTestCerts, type TestCerts } from '../helpers/certs';

const here = new URL('.', import.meta.url).pathname;
const chromium = findBinary('chromium') ?? findBinary('chromium-browser') ?? findBinary('google-chrome');
const available = peerAvailable('chromium', chromium !== null);

/** How the page and its sockets reach the server, as the server saw it (HTTP/2 only). */
interface Http2Seen {
  /**
   * Sessions (one per TCP connection; Chromium may open a spare one that carries nothing) that
   * carried ordinary requests (the page, /result), and that carried WebSocket CONNECT streams.
   */
  requestSessions: Set<Http2Session>;
  connectSessions: Set<Http2Session>;
  connects: number;
  upgrades: number;
}

/**
 * Serves the page and resolves `result` with the JSON body of the first POST /result; with
 * `certs`, over HTTP/2 and TLS (HTTP/1.1 allowed too), noting in `seen` what went where.
 */
function resultServer(page: Buffer, certs: TestCerts | null): { http: Server | Http2SecureServer; result: Promise<Record<string, unknown>>; seen: Http2Seen } {
  let deliver!: (r: Record<string, unknown>) => void;
  const result = new Promise<Record<string, unknown>>((resolve) => (deliver = resolve));
  const seen: Http2Seen = { requestSessions: new Set(), connectSessions: new Set(), connects: 0, upgrades: 0 };
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    if (req.method === 'GET' && req.url === '/test.html') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end(page);
    } else if (req.method === 'POST' && req.url === '/result') {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (d: string) => (body += d));
      req.on('end', () => {
        res.writeHead(204).end();
        try {
          deliver(JSON.parse(body) as Record<string, unknown>);
        } catch {
          deliver({ error: `unparsable result: ${body.slice(0, 200)}` });
        }
      });
    } else {
      res.writeHead(404).end();
    }
  };
  if (certs === null) return { http: createServer(handler), result, seen };
  const http = createSecureServer({ allowHTTP1: true, key: certs.server.key, cert: certs.server.cert }, handler as never);
  http.on('upgrade', () => seen.upgrades++);
  http.on('stream', (stream, headers) => {
    if (headers[':method'] !== 'CONNECT') seen.requestSessions.add(stream.session!);
    else if (headers[':protocol'] === 'websocket') {
      seen.connects++;
      seen.connectSessions.add(stream.session!);
    }
  });
  return { http, result, seen };
}

describe.skipIf(!available)('interop: a Chromium page ↔ our server', () => {
  let profile: string;
  let certs: TestCerts;
  beforeAll(() => {
    profile = mkdtempSync(join(tmpdir(), 'qws-chromium-'));
    certs = makeTestCerts();
  });
  afterAll(() => {
    if (profile) rmSync(profile, { recursive: true, force: true });
    certs?.cleanup();
  });

  // Chromium always offers permessage-deflate: once declined (the default), once accepted
  it.each([
    { deflate: false, http: 'HTTP/1.1' },
    { deflate: true, http: 'HTTP/1.1' },
    { deflate: false, http: 'HTTP/2' },
    { deflate: true, http: 'HTTP/2' },
  ])('echoes text and ArrayBuffers, negotiates a subprotocol, and closes with codes and reasons both ways (permessage-deflate accepted: $deflate, over $http)', async ({ deflate, http: version }) => {
    const h2 = version === 'HTTP/2';
    const { http, result, seen } = resultServer(readFileSync(`${here}peers/chromium_page.html`), h2 ? certs : null);
    const wss = new WebSocketServer('chromium-interop').attach(http, { path: '/ws' });
    wss.setSupportedSubprotocols(['chat.v1']);
    if (deflate) wss.setPerMessageDeflate({ threshold: 0 });
    const serverSide: Array<{ subprotocol: string; origin: string; code: number; reason: string; messages: number }> = [];
    wss.on('newConnection', () => {
      let ws: WebSocket | null;
      while ((ws = wss.nextPendingConnection()) !== null) {
        const s = ws;
        let messages = 0;
        s.on('textMessageReceived', (m) => {
          messages++;
          if (m === 'close-me') s.close(4003 as CloseCode, 'server bye ✓');
          else s.sendTextMessage(m);
        });
        s.on('binaryMessageReceived', (m) => {
          messages++;
          s.sendBinaryMessage(m);
        });
        s.on('disconnected', () => serverSide.push({ subprotocol: s.subprotocol(), origin: s.origin(), code: s.closeCode(), reason: s.closeReason(), messages }));
      }
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const port = (http.address() as { port: number }).port;

    const origin = `${h2 ? 'https' : 'http'}://127.0.0.1:${port}`;
    // the test certificate's CA is not in Chromium's store: its errors are ignored (TLS stays on)
    const args = headlessChromiumArgs(profile, `${origin}/test.html`);
    const browser = startGroup(chromium!, h2 ? ['--ignore-certificate-errors', ...args] : args);
    try {
      let timer: NodeJS.Timeout | undefined;
      const r = await Promise.race([
        result,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no result from the page within 60 s; chromium said:\n${browser.output().slice(-3000)}`)), 60000);
        }),
      ]).finally(() => clearTimeout(timer));

      expect(r.error).toBeUndefined();
      expect(r.protocol).toBe('chat.v1');
      // what the browser says was negotiated
      if (deflate) expect(String(r.extensions)).toMatch(/^permessage-deflate(;|$)/);
      else expect(r.extensions).toBe('');
      const echo = r.echo as Array<{ kind: string; size: number; ok: boolean }>;
      expect(echo).toHaveLength(13);
      expect(echo.filter((x) => !x.ok)).toEqual([]);
      expect(echo.filter((x) => x.kind === 'binary').map((x) => x.size)).toEqual([0, 1, 125, 126, 65535, 65536, 70000, 1 << 20]);
      // our server answers the page's close echoing its code and, as Qt does, its reason
      expect(r.clientClose).toEqual({ code: 4000, reason: 'page done ✓', wasClean: true });
      expect(r.serverClose).toEqual({ code: 4003, reason: 'server bye ✓', wasClean: true });

      await until(() => serverSide.length === 2);
      expect(serverSide[0]).toEqual({ subprotocol: 'chat.v1', origin, code: 4000, reason: 'page done ✓', messages: 13 });
      expect(serverSide[1]).toMatchObject({ subprotocol: '', code: 4003, messages: 1 });
      expect(wss.connections()).toHaveLength(0);
      if (h2) {
        // both sockets were extended CONNECT streams on the one TLS connection of the page
        expect(seen.connects).toBe(2);
        expect(seen.upgrades).toBe(0);
        expect(seen.requestSessions.size).toBe(1);
        expect([...seen.connectSessions]).toEqual([...seen.requestSessions]);
      }
    } finally {
      const exited = new Promise<void>((resolve) => {
        if (browser.child.exitCode !== null || browser.child.signalCode !== null) resolve();
        else browser.child.once('exit', () => resolve());
      });
      browser.stop();
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      wss.close();
      if ('closeAllConnections' in http) http.closeAllConnections();
      for (const s of seen.requestSessions) s.destroy();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    }
  }, 90000);
});

async function until(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
