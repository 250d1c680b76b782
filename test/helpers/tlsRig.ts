/**
 * The wss:// test rig of the TLS integration tests (tls.test.ts, tls-server.test.ts): test
 * certificates for the file, a SecureMode echo server, clients that are aborted after each test,
 * and open() with every certificate-error signal recorded in order. Call {@link useTlsRig} once at
 * the top of a test file: it registers the file's hooks.
 */
import { afterAll, afterEach, beforeAll } from 'vitest';
import { X509Certificate } from 'node:crypto';
import { PeerVerifyMode, SocketError, SslError, SslErrorCode, SslMode, WebSocket, WebSocketServer, type SslConfiguration } from '../../src/index';
import { makeTestCerts, type TestCerts } from './certs';

/** What happened to one open(): the signals in order, and how it ended. */
export interface Outcome {
  connected: boolean;
  error: SocketError | null;
  errorString: string;
  log: string[];
  sslErrors: SslError[];
  peerVerifyErrors: SslError[];
}

/** The SHA-256 fingerprint of a PEM certificate (how SslError certificates are compared). */
export const fp = (pem: string): string => new X509Certificate(pem).fingerprint256;

/** Sends `text` and resolves with the next text message. */
export function echo(c: WebSocket, text: string): Promise<string> {
  return new Promise((resolve) => {
    c.once('textMessageReceived', resolve);
    c.sendTextMessage(text);
  });
}

/** Opens `url` and resolves with what happened, once connected or failed. */
export function openAndWait(c: WebSocket, url: string, handshakeTimeoutMs?: number): Promise<Outcome> {
  const out: Outcome = { connected: false, error: null, errorString: '', log: [], sslErrors: [], peerVerifyErrors: [] };
  c.on('peerVerifyError', (e) => {
    out.peerVerifyErrors.push(e);
    out.log.push(`peerVerifyError:${SslErrorCode[e.error()]}`);
  });
  c.on('sslErrors', (errors) => {
    out.sslErrors = errors;
    out.log.push(`sslErrors:${errors.map((e) => SslErrorCode[e.error()]).join(',')}`);
  });
  c.on('handshakeInterruptedOnError', (e) => out.log.push(`interrupted:${SslErrorCode[e.error()]}`));
  return new Promise((resolve) => {
    c.once('connected', () => {
      out.connected = true;
      resolve(out);
    });
    c.once('errorOccurred', (e) => {
      out.error = e;
      out.errorString = c.errorString();
      resolve(out);
    });
    c.open(url, handshakeTimeoutMs !== undefined ? { handshakeTimeoutMs } : {});
  });
}

/** The rig of one test file (see the module comment). */
export interface TlsRig {
  /** The file's certificates (made before its first test). */
  readonly certs: TestCerts;
  /** Run after the current test, last added first. */
  readonly cleanups: Array<() => unknown>;
  /** A SecureMode echo server with the given configuration (default: the CA-signed server cert). */
  secureEcho(config?: Partial<SslConfiguration>, setup?: (s: WebSocketServer) => void): Promise<{ server: WebSocketServer; port: number; accepted: WebSocket[] }>;
  /** A client with this TLS configuration, aborted after the test. */
  client(config?: SslConfiguration): WebSocket;
}

/** Registers the file's hooks and returns its rig. */
export function useTlsRig(): TlsRig {
  let certs: TestCerts | null = null;
  beforeAll(() => {
    certs = makeTestCerts();
  });
  afterAll(() => certs?.cleanup());
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  const rig: TlsRig = {
    get certs(): TestCerts {
      if (certs === null) throw new Error('the certificates are made in beforeAll: use them inside tests');
      return certs;
    },
    cleanups,
    async secureEcho(config = {}, setup) {
      const server = new WebSocketServer('tls-test', SslMode.SecureMode);
      server.setSslConfiguration({ localCertificate: rig.certs.server.cert, privateKey: rig.certs.server.key, peerVerifyMode: PeerVerifyMode.VerifyNone, ...config });
      setup?.(server);
      const accepted: WebSocket[] = [];
      server.on('newConnection', () => {
        let ws: WebSocket | null;
        while ((ws = server.nextPendingConnection()) !== null) {
          const s = ws;
          accepted.push(s);
          s.on('textMessageReceived', (m) => s.sendTextMessage(m));
          s.on('binaryMessageReceived', (m) => s.sendBinaryMessage(m));
        }
      });
      if (!(await server.listen('127.0.0.1', 0))) throw new Error(server.errorString());
      cleanups.push(() => {
        for (const a of accepted) a.abort();
        server.close();
      });
      return { server, port: server.serverPort(), accepted };
    },
    client(config = {}) {
      const c = new WebSocket();
      c.setSslConfiguration(config);
      cleanups.push(() => c.abort());
      return c;
    },
  };
  return rig;
}
