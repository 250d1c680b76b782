/**
 * Interop through nginx (Debian nginx-light) as a WebSocket reverse proxy: our client ↔ nginx ↔
 * our server. nginx rewrites the upgrade request (its own Connection/Upgrade headers, HTTP/1.1
 * to the backend) and then relays bytes both ways; frames, fragmentation and the close handshake
 * must survive that.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, type CloseCode, type WebSocketServer } from '../../src/index';
import { echoServer } from '../helpers/server';
import { NGINX, startNginx } from '../helpers/nginx';
import { peerAvailable } from '../helpers/spawnPeer';

const available = peerAvailable('nginx', NGINX !== null);

function textOf(n: number): string {
  const pattern = ['a', 'é', '€', '😀'];
  let s = '';
  let bytes = 0;
  for (let i = 0; ; i++) {
    const ch = pattern[i % pattern.length];
    const b = Buffer.byteLength(ch);
    if (bytes + b > n) break;
    s += ch;
    bytes += b;
  }
  return s + 'x'.repeat(n - bytes);
}

function bytesOf(n: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = (i * 17 + n) & 0xff;
  return b;
}

/** Opens our client to url and resolves once connected. */
function open(url: string, setup?: (c: WebSocket) => void): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const c = new WebSocket();
    setup?.(c);
    c.once('connected', () => resolve(c));
    c.once('errorOccurred', () => reject(new Error(`open failed: ${c.errorString()}`)));
    c.open(url);
  });
}

function disconnected(c: WebSocket): Promise<void> {
  return new Promise((resolve) => c.once('disconnected', () => resolve()));
}

describe.skipIf(!available)('interop: our client ↔ nginx reverse proxy ↔ our server', () => {
  let server: WebSocketServer;
  let sockets: WebSocket[];
  let nginx: Awaited<ReturnType<typeof startNginx>>;
  let url: string;

  beforeAll(async () => {
    ({ server, sockets } = await echoServer((s) => s.setSupportedSubprotocols(['proto.a'])));
    nginx = await startNginx(server.serverPort());
    url = `ws://127.0.0.1:${nginx.port}/through/nginx?x=1`;
  });
  afterAll(async () => {
    await nginx?.stop();
    server?.close();
  });

  it('echoes text (multibyte) and binary from 0 B to 1 MiB, in order, and negotiates a subprotocol', async () => {
    const sizes = [0, 1, 125, 126, 65535, 65536, 70000, 1 << 20];
    const c = await open(url);
    const got: Array<string | Buffer> = [];
    const done = new Promise<void>((resolve) => {
      const push = (m: string | Buffer): void => {
        got.push(m);
        if (got.length === sizes.length * 2) resolve();
      };
      c.on('textMessageReceived', push);
      c.on('binaryMessageReceived', push);
    });
    for (const n of sizes) {
      c.sendTextMessage(textOf(n));
      c.sendBinaryMessage(bytesOf(n));
    }
    await done;
    for (let i = 0; i < sizes.length; i++) {
      expect(got[2 * i]).toBe(textOf(sizes[i]));
      expect(Buffer.isBuffer(got[2 * i + 1]) && (got[2 * i + 1] as Buffer).equals(bytesOf(sizes[i]))).toBe(true);
    }
    // it really went through nginx: another TCP connection, nginx's Host header ($host has no
    // port), and the request line passed on
    const s = sockets[sockets.length - 1];
    expect(s.peerPort()).not.toBe(c.localPort());
    expect(s.request().headers.find(([k]) => k.toLowerCase() === 'host')?.[1]).toBe('127.0.0.1');
    expect(s.resourceName()).toBe('/through/nginx?x=1');
    const gone = disconnected(c);
    c.close();
    await gone;
  });

  it('negotiates a subprotocol through the proxy', async () => {
    const c = new WebSocket();
    const ok = new Promise<void>((resolve, reject) => {
      c.once('connected', () => resolve());
      c.once('errorOccurred', () => reject(new Error(c.errorString())));
    });
    c.open(url, { subprotocols: ['proto.b', 'proto.a'] });
    await ok;
    expect(c.subprotocol()).toBe('proto.a');
    const gone = disconnected(c);
    c.close();
    await gone;
  });

  it('keeps fragmented messages (both directions) and interleaved pings intact', async () => {
    const frameSize = 1000;
    const c = await open(url);
    c.setOutgoingFrameSize(frameSize);
    const s = sockets[sockets.length - 1];
    s.setOutgoingFrameSize(777);
    // what the server saw as frames, and what the client sees as frames of the echo
    const serverFrames: boolean[] = [];
    s.on('textFrameReceived', (_f, last) => serverFrames.push(last));
    s.on('binaryFrameReceived', (_f, last) => serverFrames.push(last));
    const clientFrames: boolean[] = [];
    c.on('textFrameReceived', (_f, last) => clientFrames.push(last));
    c.on('binaryFrameReceived', (_f, last) => clientFrames.push(last));
    const text = textOf(100_000);
    const bin = bytesOf(250_000);
    const pongs: string[] = [];
    c.on('pong', (_ms, p) => pongs.push(p.toString()));
    const got: Array<string | Buffer> = [];
    const done = new Promise<void>((resolve) => {
      c.on('textMessageReceived', (m) => (got.push(m), got.length === 2 && resolve()));
      c.on('binaryMessageReceived', (m) => (got.push(m), got.length === 2 && resolve()));
    });
    c.sendTextMessage(text);
    c.ping('between');
    c.sendBinaryMessage(bin);
    await done;
    expect(got[0]).toBe(text);
    expect((got[1] as Buffer).equals(bin)).toBe(true);
    expect(pongs).toEqual(['between']);
    // 100 kB in 1000-byte frames + 250 kB in 1000-byte frames arrive as that many frames
    expect(serverFrames.length).toBe(100 + 250);
    expect(serverFrames.filter((l) => l)).toHaveLength(2);
    expect(clientFrames.length).toBe(Math.ceil(100_000 / 777) + Math.ceil(250_000 / 777));
    const gone = disconnected(c);
    c.close();
    await gone;
  });

  it('completes the close handshake with code and reason, client-initiated and server-initiated', async () => {
    // client → server
    const c1 = await open(url);
    const s1 = sockets[sockets.length - 1];
    const s1gone = disconnected(s1);
    const c1gone = disconnected(c1);
    c1.close(4000 as CloseCode, 'bye via nginx ✓');
    await Promise.all([c1gone, s1gone]);
    expect(s1.closeCode()).toBe(4000);
    expect(s1.closeReason()).toBe('bye via nginx ✓');
    expect(c1.closeCode()).toBe(4000); // the server echoed the code
    expect(c1.errorString()).toBe(''); // a clean close sets no error

    // server → client
    const c2 = await open(url);
    const s2 = sockets[sockets.length - 1];
    const c2gone = disconnected(c2);
    const s2gone = disconnected(s2);
    s2.close(4001 as CloseCode, 'server leaves ✓');
    await Promise.all([c2gone, s2gone]);
    expect(c2.closeCode()).toBe(4001);
    expect(c2.closeReason()).toBe('server leaves ✓');
    expect(s2.closeCode()).toBe(4001);

    await until(() => server.connections().length === 0);
  });
});

async function until(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
