/**
 * Interop with Python's `websockets` (Debian python3-websockets): its client against our
 * WebSocketServer. (Our client against its server is python.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import type { CloseCode, WebSocket } from '../../src/index';
import { echoServer } from '../helpers/server';
import { SYSTEM_PYTHON, hasPythonWebsockets, peerAvailable, runPeer } from '../helpers/spawnPeer';

const here = new URL('.', import.meta.url).pathname;
const available = peerAvailable('python3-websockets', hasPythonWebsockets());

/** What the server side saw of one connection once it was disconnected. */
interface Closed {
  code: number;
  reason: string;
}

describe.skipIf(!available)('interop: Python websockets client ↔ our server', () => {
  const closed: Closed[] = [];

  /** Watches server-side sockets: records how each one closed, answers 'close-me' by closing. */
  function watch(sockets: WebSocket[]): void {
    for (const s of sockets) {
      if ((s as unknown as { watched?: boolean }).watched) continue;
      (s as unknown as { watched?: boolean }).watched = true;
      s.on('textMessageReceived', (m) => {
        if (m === 'close-me') s.close(4000 as CloseCode, 'server says bye ✓');
      });
      s.on('disconnected', () => closed.push({ code: s.closeCode(), reason: s.closeReason() }));
    }
  }

  it('echoes text (multibyte UTF-8) and binary of 0 B..1 MiB, answers its ping, gets its close code and reason', async () => {
    const srv = await echoServer();
    const before = closed.length;
    srv.server.on('newConnection', () => watch(srv.sockets));
    try {
      const out = await runPeer(SYSTEM_PYTHON, [`${here}peers/py_client.py`, `ws://127.0.0.1:${srv.port}/`, 'echo'], 60000);
      const r = JSON.parse(out.trim().split('\n').pop()!);
      const bad = r.results.filter((x: { ok: boolean }) => !x.ok);
      expect(bad).toEqual([]);
      expect(r.results).toHaveLength(18);
      expect(r.pong_ok).toBe(true);
      // our server's reply echoes the status code and (as Qt does) the reason
      expect(r.close_code).toBe(4000);
      expect(r.close_reason).toBe('py done ✓');
      // and as our server received it
      await until(() => closed.length > before);
      expect(closed[before]).toEqual({ code: 4000, reason: 'py done ✓' });
      expect(srv.server.connections()).toHaveLength(0);
    } finally {
      srv.server.close();
    }
  }, 90000);

  it('receives the close code and reason our server sends', async () => {
    const srv = await echoServer();
    const before = closed.length;
    srv.server.on('newConnection', () => watch(srv.sockets));
    try {
      const out = await runPeer(SYSTEM_PYTHON, [`${here}peers/py_client.py`, `ws://127.0.0.1:${srv.port}/`, 'server-close'], 30000);
      const r = JSON.parse(out.trim().split('\n').pop()!);
      // the 'close-me' echo may arrive before the close frame
      expect(r.received.filter((m: string) => m !== 'close-me')).toEqual([]);
      expect(r.close_code).toBe(4000);
      expect(r.close_reason).toBe('server says bye ✓');
      await until(() => closed.length > before);
      expect(closed[before].code).toBe(4000);
      expect(srv.server.connections()).toHaveLength(0);
    } finally {
      srv.server.close();
    }
  });
});

async function until(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
