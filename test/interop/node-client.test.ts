/**
 * Interop with Node's built-in WebSocket client (undici's, the WHATWG API; Node 20 needs
 * `--experimental-websocket`) against our WebSocketServer. The client runs in a child process
 * (peers/node_client.mjs) and reports what it saw as one JSON line. Once over HTTP/1.1 (our own
 * listening server), and once over HTTP/2 where undici has it (Node 26: it opens wss:// to an h2
 * server as an RFC 8441 extended CONNECT stream by itself; our server attached to an
 * `http2.createSecureServer`, the test CA passed with NODE_EXTRA_CA_CERTS).
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createSecureServer } from 'node:http2';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WebSocketServer, type CloseCode, type WebSocket } from '../../src/index';
import { makeTestCerts } from '../helpers/certs';
import { echoEach, echoServer } from '../helpers/server';
import { peerAvailable, runPeer } from '../helpers/spawnPeer';

const here = new URL('.', import.meta.url).pathname;

/** The node flags that give a global WebSocket (none on Node ≥ 22), or null when there is none. */
function builtinWebSocketFlags(): string[] | null {
  for (const flags of [[], ['--experimental-websocket']]) {
    const r = spawnSync(process.execPath, [...flags, '-e', "process.exit(typeof WebSocket === 'function' ? 0 : 1)"], { stdio: 'ignore' });
    if (r.status === 0) return flags;
  }
  return null;
}

const flags = builtinWebSocketFlags();
const available = peerAvailable(`Node's built-in WebSocket (node ${process.version})`, flags !== null);
/** undici in Node 26 (8.x) has WebSocket over HTTP/2; earlier ones upgrade over HTTP/1.1 only. */
const undiciHttp2 = Number((process.versions.undici ?? '0').split('.')[0]) >= 8;

/** What the HTTP/2 server saw: RFC 8441 streams and HTTP/1.1 upgrades. */
interface Seen {
  connects: number;
  upgrades: number;
}

/** Our echo server for the client: listening (HTTP/1.1), or attached to an http2 server over TLS. */
async function serverFor(http2: boolean): Promise<{ server: WebSocketServer; sockets: WebSocket[]; url: string; env: NodeJS.ProcessEnv; seen: Seen; close: () => void }> {
  const setup = (s: WebSocketServer): void => s.setSupportedSubprotocols(['chat.v1', 'chat.v2']);
  const seen: Seen = { connects: 0, upgrades: 0 };
  if (!http2) {
    const srv = await echoServer(setup);
    return { ...srv, url: `ws://127.0.0.1:${srv.port}/path?q=1`, env: process.env, seen, close: () => srv.server.close() };
  }
  const certs = makeTestCerts();
  const caFile = join(certs.dir, 'extra-ca.pem');
  writeFileSync(caFile, certs.ca);
  const http = createSecureServer({ allowHTTP1: true, key: certs.server.key, cert: certs.server.cert });
  http.on('stream', (_s, h) => {
    if (h[':protocol'] === 'websocket') seen.connects++;
  });
  http.on('upgrade', () => seen.upgrades++);
  const sessions = new Set<{ destroy(): void }>();
  http.on('session', (s) => sessions.add(s));
  const server = new WebSocketServer('node-client-h2').attach(http);
  setup(server);
  const sockets = echoEach(server);
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const close = (): void => {
    server.close();
    for (const s of sessions) s.destroy();
    http.close();
    certs.cleanup();
  };
  // the warning undici prints for its experimental HTTP/2 would only clutter the peer's stderr
  const env = { ...process.env, NODE_EXTRA_CA_CERTS: caFile, NODE_NO_WARNINGS: '1' };
  return { server, sockets, url: `wss://127.0.0.1:${(http.address() as { port: number }).port}/path?q=1`, env, seen, close };
}

describe.skipIf(!available)("interop: Node's built-in WebSocket client ↔ our server", () => {
  const title = 'echoes text and binary, negotiates the subprotocol, and exchanges close codes and reasons both ways';
  it(`${title} (over HTTP/1.1)`, () => exchange(false), 90000);
  it.skipIf(!undiciHttp2)(`${title} (over HTTP/2)`, () => exchange(true), 90000);

  async function exchange(h2: boolean): Promise<void> {
    const closes: Array<{ subprotocol: string; code: number; reason: string }> = [];
    const srv = await serverFor(h2);
    const watched = new Set<WebSocket>();
    srv.server.on('newConnection', () => {
      for (const s of srv.sockets) {
        if (watched.has(s)) continue;
        watched.add(s);
        s.on('textMessageReceived', (m) => {
          if (m === 'close-me') s.close(4002 as CloseCode, 'server bye ✓');
        });
        s.on('disconnected', () => closes.push({ subprotocol: s.subprotocol(), code: s.closeCode(), reason: s.closeReason() }));
      }
    });
    try {
      const out = await runPeer(process.execPath, [...flags!, `${here}peers/node_client.mjs`, srv.url], 60000, srv.env);
      const r = JSON.parse(out.trim().split('\n').pop()!);

      // echo: every message back intact and in order; the first protocol of the CLIENT's list that we support
      expect(r.echo.protocol).toBe('chat.v2');
      expect(r.echo.results).toHaveLength(16);
      expect(r.echo.results.filter((x: { ok: boolean }) => !x.ok)).toEqual([]);
      // our server echoes the code and (as Qt does) the reason of the client's close
      expect(r.echo.close).toEqual({ code: 4001, reason: 'node done ✓', wasClean: true });

      // our server's close code and reason, as the WHATWG client reports them
      expect(r.serverClose.protocol).toBe('');
      expect(r.serverClose.close).toEqual({ code: 4002, reason: 'server bye ✓', wasClean: true });

      // an unsupported offer: our server (like Qt, as RFC 6455 §4.2.2 allows) answers 101 without
      // Sec-WebSocket-Protocol; the WHATWG client then fails the connection itself
      expect(r.noProtocol.opened).toBe(false);
      // (Node 22/24 name the subprotocol in the error's message; Node 26's ErrorEvent has none)
      if (r.noProtocol.error !== 'connection failed') expect(r.noProtocol.error).toMatch(/protocol/i);

      // the server side, in connection order
      await until(() => closes.length === 3);
      expect(closes[0]).toEqual({ subprotocol: 'chat.v2', code: 4001, reason: 'node done ✓' });
      // our close was answered by the client's echo of the code (closeReason() is the peer's: '')
      expect(closes[1]).toMatchObject({ subprotocol: '', code: 4002 });
      // the failed client just drops TCP
      expect(closes[2]).toEqual({ subprotocol: '', code: 1006, reason: '' });
      expect(srv.sockets[0].resourceName()).toBe('/path?q=1');
      expect(srv.server.connections()).toHaveLength(0);
      // over HTTP/2 all three were extended CONNECT streams (the failed one too), none an upgrade
      if (h2) expect(srv.seen).toEqual({ connects: 3, upgrades: 0 });
    } finally {
      srv.close();
    }
  }
});

async function until(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
