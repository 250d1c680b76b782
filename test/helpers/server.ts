/** Helpers for server tests: an echo server on loopback, and raw HTTP exchanges. */
import { connect } from 'node:net';
import { WebSocketServer, SslMode, type WebSocket } from '../../src/index';

/** Starts an echo server on 127.0.0.1 (port 0); every accepted socket echoes what it gets. */
export async function echoServer(setup?: (s: WebSocketServer) => void): Promise<{ server: WebSocketServer; port: number; sockets: WebSocket[] }> {
  const server = new WebSocketServer('test-server', SslMode.NonSecureMode);
  setup?.(server);
  const sockets = echoEach(server);
  if (!(await server.listen('127.0.0.1', 0))) throw new Error(server.errorString());
  return { server, port: server.serverPort(), sockets };
}

/**
 * Takes every connection `server` accepts (into the returned list) and makes it echo each
 * message, text ones with `textPrefix` in front.
 */
export function echoEach(server: WebSocketServer, textPrefix = ''): WebSocket[] {
  const sockets: WebSocket[] = [];
  server.on('newConnection', () => {
    let ws: WebSocket | null;
    while ((ws = server.nextPendingConnection()) !== null) {
      const s = ws;
      sockets.push(s);
      s.on('textMessageReceived', (m) => s.sendTextMessage(textPrefix + m));
      s.on('binaryMessageReceived', (m) => s.sendBinaryMessage(m));
    }
  });
  return sockets;
}

/** Sends raw bytes on a new TCP connection and collects everything until the server closes. */
export function rawExchange(port: number, data: string | Buffer, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    let out = '';
    const t = setTimeout(() => {
      s.destroy();
      reject(new Error(`no close within ${timeoutMs} ms; got ${JSON.stringify(out.slice(0, 200))}`));
    }, timeoutMs);
    s.on('data', (d) => (out += d.toString('latin1')));
    s.on('error', () => {});
    s.on('close', () => {
      clearTimeout(t);
      resolve(out);
    });
    s.write(data);
  });
}

/** An upgrade request with overridable headers (null removes one). */
export function upgradeRequest(port: number, overrides: Record<string, string | null> = {}, path = '/'): string {
  const h: Record<string, string | null> = {
    Host: `127.0.0.1:${port}`,
    Upgrade: 'websocket',
    Connection: 'Upgrade',
    'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
    'Sec-WebSocket-Version': '13',
    ...overrides,
  };
  let s = `GET ${path} HTTP/1.1\r\n`;
  for (const [k, v] of Object.entries(h)) if (v !== null) s += `${k}: ${v}\r\n`;
  return s + '\r\n';
}
