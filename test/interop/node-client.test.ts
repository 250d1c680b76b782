/**
 * Interop with Node's built-in WebSocket client (undici's, the WHATWG API; Node 20 needs
 * `--experimental-websocket`) against our WebSocketServer. The client runs in a child process
 * (peers/node_client.mjs) and reports what it saw as one JSON line.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { CloseCode, WebSocket } from '../../src/index';
import { echoServer } from '../helpers/server';
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

describe.skipIf(!available)("interop: Node's built-in WebSocket client ↔ our server", () => {
  it('echoes text and binary, negotiates the subprotocol, and exchanges close codes and reasons both ways', async () => {
    const closes: Array<{ subprotocol: string; code: number; reason: string }> = [];
    const srv = await echoServer((s) => s.setSupportedSubprotocols(['chat.v1', 'chat.v2']));
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
      const out = await runPeer(process.execPath, [...flags!, `${here}peers/node_client.mjs`, `ws://127.0.0.1:${srv.port}/path?q=1`], 60000);
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
    } finally {
      srv.server.close();
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
