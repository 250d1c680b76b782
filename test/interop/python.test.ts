/**
 * Interop with Python's `websockets` (Debian python3-websockets): our client against its server.
 * The server direction (its client against our WebSocketServer) is in python-client.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, CloseCode } from '../../src/index';
import { SYSTEM_PYTHON, hasPythonWebsockets, peerAvailable, startPeer } from '../helpers/spawnPeer';

const here = new URL('.', import.meta.url).pathname;
const available = peerAvailable('python3-websockets', hasPythonWebsockets());

describe.skipIf(!available)('interop: our client ↔ Python websockets server', () => {
  let peer: Awaited<ReturnType<typeof startPeer>>;
  beforeAll(async () => {
    peer = await startPeer(SYSTEM_PYTHON, [`${here}peers/py_echo_server.py`]);
  });
  afterAll(() => peer?.stop());

  it('exchanges text and binary of several sizes, pings, and closes with a code and reason', async () => {
    const c = new WebSocket();
    const sizes = [0, 1, 125, 126, 65535, 65536, 1 << 20, 3 << 20];
    const texts: string[] = [];
    const bins: Buffer[] = [];
    let pongPayload = '';
    await new Promise<void>((resolve, reject) => {
      c.on('errorOccurred', () => reject(new Error(c.errorString())));
      c.on('connected', () => {
        for (const n of sizes) {
          c.sendTextMessage('ü'.repeat(n >> 1));
          c.sendBinaryMessage(Buffer.alloc(n, n & 0xff));
        }
        c.ping(Buffer.from('hi'));
      });
      c.on('textMessageReceived', (m) => texts.push(m));
      c.on('binaryMessageReceived', (m) => {
        bins.push(m);
        if (bins.length === sizes.length) c.close(CloseCode.CloseCodeGoingAway, 'bye');
      });
      c.on('pong', (_ms, p) => (pongPayload = p.toString()));
      c.on('disconnected', () => resolve());
      c.open(`ws://127.0.0.1:${peer.port}/`);
    });
    expect(texts).toEqual(sizes.map((n) => 'ü'.repeat(n >> 1)));
    expect(bins.map((b, i) => b.equals(Buffer.alloc(sizes[i], sizes[i] & 0xff)))).toEqual(sizes.map(() => true));
    expect(pongPayload).toBe('hi');
    // the Python server echoes our close code
    expect(c.closeCode()).toBe(CloseCode.CloseCodeGoingAway);
  });
});
