/**
 * Interop with a real browser: headless Chromium (Debian's `chromium`) loads a page from an http
 * server that our WebSocketServer is attached to; the page's script talks WebSocket to it
 * (subprotocol, text with multibyte UTF-8, ArrayBuffers up to 1 MiB, close codes and reasons
 * both ways), once with permessage-deflate declined and once accepted, and POSTs what it saw to
 * /result.
 *
 * The demo page (examples/demo-page.html) is not loaded here: it sends nothing until a button is
 * clicked, so a page load alone would prove nothing about it.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer, type CloseCode, type WebSocket } from '../../src/index';
import { findBinary, headlessChromiumArgs, peerAvailable, startGroup } from '../helpers/spawnPeer';

const here = new URL('.', import.meta.url).pathname;
const chromium = findBinary('chromium') ?? findBinary('chromium-browser') ?? findBinary('google-chrome');
const available = peerAvailable('chromium', chromium !== null);

/** Resolves with the JSON body of the first POST /result. */
function resultServer(page: Buffer): { http: Server; result: Promise<Record<string, unknown>> } {
  let deliver!: (r: Record<string, unknown>) => void;
  const result = new Promise<Record<string, unknown>>((resolve) => (deliver = resolve));
  const http = createServer((req, res) => {
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
  });
  return { http, result };
}

describe.skipIf(!available)('interop: a Chromium page ↔ our server', () => {
  let profile: string;
  beforeAll(() => {
    profile = mkdtempSync(join(tmpdir(), 'qws-chromium-'));
  });
  afterAll(() => {
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  // Chromium always offers permessage-deflate: once declined (the default), once accepted
  it.each([false, true])('echoes text and ArrayBuffers, negotiates a subprotocol, and closes with codes and reasons both ways (permessage-deflate accepted: %s)', async (deflate) => {
    const { http, result } = resultServer(readFileSync(`${here}peers/chromium_page.html`));
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

    const browser = startGroup(chromium!, headlessChromiumArgs(profile, `http://127.0.0.1:${port}/test.html`));
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
      expect(serverSide[0]).toEqual({ subprotocol: 'chat.v1', origin: `http://127.0.0.1:${port}`, code: 4000, reason: 'page done ✓', messages: 13 });
      expect(serverSide[1]).toMatchObject({ subprotocol: '', code: 4003, messages: 1 });
      expect(wss.connections()).toHaveLength(0);
    } finally {
      const exited = new Promise<void>((resolve) => {
        if (browser.child.exitCode !== null || browser.child.signalCode !== null) resolve();
        else browser.child.once('exit', () => resolve());
      });
      browser.stop();
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      wss.close();
      http.closeAllConnections();
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
