/**
 * wss:// with Qt's certificate-error flow, client and server, on loopback: every verification
 * error path, ignoreSslErrors (all / by list), PauseOnSslErrors + resume, early interruption,
 * mutual TLS, PSK, TLS handshake failures and alerts, session reuse, and `ws` over https as an
 * independent peer in both directions.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connect as netConnect, createServer as createNetServer, type Socket } from 'node:net';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { WebSocket as WsClient, WebSocketServer as WsServer } from 'ws';
import {
  AlertLevel,
  AlertType,
  CloseCode,
  PauseMode,
  PeerVerifyMode,
  SocketError,
  SslError,
  SslErrorCode,
  SslMode,
  WebSocket,
  WebSocketServer,
  clearTlsSessionCache,
  type PreSharedKeyAuthenticator,
  type SslConfiguration,
} from '../../src/index';
import { makeTestCerts, type TestCerts } from '../helpers/certs';

let certs: TestCerts;
beforeAll(() => {
  certs = makeTestCerts();
});
afterAll(() => certs.cleanup());

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A SecureMode echo server with the given configuration (default: the CA-signed server cert). */
async function secureEcho(config: Partial<SslConfiguration> = {}, setup?: (s: WebSocketServer) => void): Promise<{ server: WebSocketServer; port: number; accepted: WebSocket[] }> {
  const server = new WebSocketServer('tls-test', SslMode.SecureMode);
  server.setSslConfiguration({ localCertificate: certs.server.cert, privateKey: certs.server.key, peerVerifyMode: PeerVerifyMode.VerifyNone, ...config });
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
}

function client(config: SslConfiguration = {}): WebSocket {
  const c = new WebSocket();
  c.setSslConfiguration(config);
  cleanups.push(() => c.abort());
  return c;
}

/** What happened to one open(): the signals in order, and how it ended. */
interface Outcome {
  connected: boolean;
  error: SocketError | null;
  errorString: string;
  log: string[];
  sslErrors: SslError[];
  peerVerifyErrors: SslError[];
}

function openAndWait(c: WebSocket, url: string, handshakeTimeoutMs?: number): Promise<Outcome> {
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

function echo(c: WebSocket, text: string): Promise<string> {
  return new Promise((resolve) => {
    c.once('textMessageReceived', resolve);
    c.sendTextMessage(text);
  });
}

const fp = (pem: string): string => new X509Certificate(pem).fingerprint256;

describe('client: certificate errors', () => {
  it('connects and echoes when the chain is trusted and the name matches', async () => {
    const { port } = await secureEcho();
    const c = client({ caCertificates: certs.ca });
    const o = await openAndWait(c, `wss://localhost:${port}/`);
    expect(o.connected).toBe(true);
    expect(o.log).toEqual([]);
    expect(await echo(c, 'hello over TLS')).toBe('hello over TLS');
  });

  it('checks IP literals against IP subjectAltNames', async () => {
    const { port } = await secureEcho();
    const o = await openAndWait(client({ caCertificates: certs.ca }), `wss://127.0.0.1:${port}/`);
    expect(o.connected).toBe(true);
  });

  it('unknown CA, only the leaf sent: both OpenSSL errors, then SslHandshakeFailedError', async () => {
    const { port } = await secureEcho();
    const o = await openAndWait(client(), `wss://localhost:${port}/`);
    expect(o.connected).toBe(false);
    expect(o.error).toBe(SocketError.SslHandshakeFailedError);
    expect(o.log).toEqual([
      'peerVerifyError:UnableToGetLocalIssuerCertificate',
      'peerVerifyError:UnableToVerifyFirstCertificate',
      'sslErrors:UnableToGetLocalIssuerCertificate,UnableToVerifyFirstCertificate',
    ]);
    expect(o.errorString).toBe(new SslError(SslErrorCode.UnableToGetLocalIssuerCertificate).errorString());
    expect(o.sslErrors.map((e) => e.certificate()?.fingerprint256)).toEqual([fp(certs.server.cert), fp(certs.server.cert)]);
    expect(o.sslErrors.map((e) => e.openSslCode())).toEqual(['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE']);
  });

  it('self-signed certificate → SelfSignedCertificate with that certificate', async () => {
    const { port } = await secureEcho({ localCertificate: certs.selfSigned.cert, privateKey: certs.selfSigned.key });
    const o = await openAndWait(client(), `wss://localhost:${port}/`);
    expect(o.error).toBe(SocketError.SslHandshakeFailedError);
    expect(o.log).toEqual(['peerVerifyError:SelfSignedCertificate', 'sslErrors:SelfSignedCertificate']);
    expect(o.sslErrors[0].certificate()?.fingerprint256).toBe(fp(certs.selfSigned.cert));
  });

  it('self-signed root in the presented chain → SelfSignedCertificateInChain (the root)', async () => {
    const { port } = await secureEcho({ localCertificate: certs.server.cert + certs.ca });
    const o = await openAndWait(client(), `wss://localhost:${port}/`);
    expect(o.error).toBe(SocketError.SslHandshakeFailedError);
    expect(o.log).toEqual(['peerVerifyError:SelfSignedCertificateInChain', 'sslErrors:SelfSignedCertificateInChain']);
    expect(o.sslErrors[0].certificate()?.fingerprint256).toBe(fp(certs.ca));
  });

  it('expired certificate → CertificateExpired', async () => {
    const { port } = await secureEcho({ localCertificate: certs.expired.cert, privateKey: certs.expired.key });
    const o = await openAndWait(client({ caCertificates: certs.ca }), `wss://localhost:${port}/`);
    expect(o.error).toBe(SocketError.SslHandshakeFailedError);
    expect(o.log).toEqual(['peerVerifyError:CertificateExpired', 'sslErrors:CertificateExpired']);
    expect(o.sslErrors[0].certificate()?.fingerprint256).toBe(fp(certs.expired.cert));
  });

  it('wrong host → HostNameMismatch; peerVerifyName overrides the name checked', async () => {
    const { port } = await secureEcho({ localCertificate: certs.wrongHost.cert, privateKey: certs.wrongHost.key });
    const o = await openAndWait(client({ caCertificates: certs.ca }), `wss://localhost:${port}/`);
    expect(o.error).toBe(SocketError.SslHandshakeFailedError);
    expect(o.log).toEqual(['peerVerifyError:HostNameMismatch', 'sslErrors:HostNameMismatch']);
    expect(o.sslErrors[0].openSslCode()).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
    const o2 = await openAndWait(client({ caCertificates: certs.ca, peerVerifyName: 'wrong.example' }), `wss://127.0.0.1:${port}/`);
    expect(o2.connected).toBe(true);
  });

  it("several errors are all reported: peerVerifyError chain first, sslErrors host name first (Qt's order)", async () => {
    const { port } = await secureEcho({ localCertificate: certs.selfSigned.cert, privateKey: certs.selfSigned.key });
    const o = await openAndWait(client({ peerVerifyName: 'other.example' }), `wss://127.0.0.1:${port}/`);
    expect(o.log).toEqual(['peerVerifyError:SelfSignedCertificate', 'peerVerifyError:HostNameMismatch', 'sslErrors:HostNameMismatch,SelfSignedCertificate']);
  });

  it('VerifyNone and QueryPeer report nothing and connect', async () => {
    const { port } = await secureEcho({ localCertificate: certs.selfSigned.cert, privateKey: certs.selfSigned.key });
    for (const mode of [PeerVerifyMode.VerifyNone, PeerVerifyMode.QueryPeer]) {
      const o = await openAndWait(client({ peerVerifyMode: mode }), `wss://localhost:${port}/`);
      expect(o.connected).toBe(true);
      expect(o.log).toEqual([]);
    }
  });

  it('abort() in a peerVerifyError slot stops the flow: no sslErrors, no connection', async () => {
    const { port } = await secureEcho({ localCertificate: certs.selfSigned.cert, privateKey: certs.selfSigned.key });
    const c = client();
    const log: string[] = [];
    c.on('peerVerifyError', () => {
      log.push('peerVerifyError');
      c.abort();
    });
    c.on('sslErrors', () => log.push('sslErrors'));
    c.on('connected', () => log.push('connected'));
    c.open(`wss://localhost:${port}/`);
    await new Promise((r) => setTimeout(r, 200));
    expect(log).toEqual(['peerVerifyError']);
  });
});

describe('client: ignoreSslErrors', () => {
  it('ignoreSslErrors() before open: sslErrors is still emitted, the connection goes on', async () => {
    const { port } = await secureEcho({ localCertificate: certs.selfSigned.cert, privateKey: certs.selfSigned.key });
    const c = client();
    c.ignoreSslErrors();
    const o = await openAndWait(c, `wss://localhost:${port}/`);
    expect(o.connected).toBe(true);
    expect(o.log).toEqual(['peerVerifyError:SelfSignedCertificate', 'sslErrors:SelfSignedCertificate']);
    expect(await echo(c, 'x')).toBe('x');
  });

  it('ignoreSslErrors() in the sslErrors slot', async () => {
    const { port } = await secureEcho({ localCertificate: certs.expired.cert, privateKey: certs.expired.key });
    const c = client({ caCertificates: certs.ca });
    c.on('sslErrors', () => c.ignoreSslErrors());
    const o = await openAndWait(c, `wss://localhost:${port}/`);
    expect(o.connected).toBe(true);
  });

  it('ignoreSslErrors(list) naming exactly the errors (code and certificate) lets it connect', async () => {
    const { port } = await secureEcho({ localCertificate: certs.selfSigned.cert, privateKey: certs.selfSigned.key });
    const c = client();
    c.ignoreSslErrors([new SslError(SslErrorCode.SelfSignedCertificate, certs.selfSigned.cert)]);
    expect((await openAndWait(c, `wss://localhost:${port}/`)).connected).toBe(true);
  });

  it('ignoreSslErrors(list) with another certificate, another code, or a missing error does not', async () => {
    const { port } = await secureEcho({ localCertificate: certs.selfSigned.cert, privateKey: certs.selfSigned.key });
    const lists = [
      [new SslError(SslErrorCode.SelfSignedCertificate, certs.server.cert)],
      [new SslError(SslErrorCode.CertificateExpired, certs.selfSigned.cert)],
      [new SslError(SslErrorCode.SelfSignedCertificate)],
    ];
    for (const list of lists) {
      const c = client();
      c.ignoreSslErrors(list);
      const o = await openAndWait(c, `wss://localhost:${port}/`);
      expect(o.connected).toBe(false);
      expect(o.error).toBe(SocketError.SslHandshakeFailedError);
    }
    // two errors, one listed: still refused
    const c = client({ peerVerifyName: 'other.example' });
    c.ignoreSslErrors([new SslError(SslErrorCode.SelfSignedCertificate, certs.selfSigned.cert)]);
    expect((await openAndWait(c, `wss://127.0.0.1:${port}/`)).error).toBe(SocketError.SslHandshakeFailedError);
    // both listed, from what sslErrors reported: accepted
    const c2 = client({ peerVerifyName: 'other.example' });
    let reported: SslError[] = [];
    c2.once('sslErrors', (e) => (reported = e));
    await openAndWait(c2, `wss://127.0.0.1:${port}/`);
    c2.ignoreSslErrors(reported);
    expect((await openAndWait(c2, `wss://127.0.0.1:${port}/`)).connected).toBe(true);
  });
});

describe('client: PauseOnSslErrors and early interruption', () => {
  it('pauses after sslErrors until resume(); ignoring meanwhile lets it connect', async () => {
    const { port } = await secureEcho({ localCertificate: certs.selfSigned.cert, privateKey: certs.selfSigned.key });
    const c = client();
    c.setPauseMode(PauseMode.PauseOnSslErrors);
    const log: string[] = [];
    c.on('sslErrors', () => {
      log.push('sslErrors');
      setTimeout(() => {
        log.push('resume');
        c.ignoreSslErrors();
        c.resume();
      }, 50);
    });
    c.on('connected', () => log.push('connected'));
    const o = await openAndWait(c, `wss://localhost:${port}/`);
    expect(o.connected).toBe(true);
    expect(log).toEqual(['sslErrors', 'resume', 'connected']);
    expect(await echo(c, 'after pause')).toBe('after pause');
  });

  it('resume() without ignoring fails with SslHandshakeFailedError', async () => {
    const { port } = await secureEcho({ localCertificate: certs.selfSigned.cert, privateKey: certs.selfSigned.key });
    const c = client();
    c.setPauseMode(PauseMode.PauseOnSslErrors);
    c.on('sslErrors', () => setTimeout(() => c.resume(), 20));
    const o = await openAndWait(c, `wss://localhost:${port}/`);
    expect(o.error).toBe(SocketError.SslHandshakeFailedError);
  });

  it('handshakeInterruptedOnError + continueInterruptedHandshake, then sslErrors as usual', async () => {
    const { port } = await secureEcho({ localCertificate: certs.selfSigned.cert, privateKey: certs.selfSigned.key });
    const c = client({ handshakeMustInterruptOnError: true });
    c.on('handshakeInterruptedOnError', () => c.continueInterruptedHandshake());
    c.on('sslErrors', () => c.ignoreSslErrors());
    const o = await openAndWait(c, `wss://localhost:${port}/`);
    expect(o.connected).toBe(true);
    expect(o.log).toEqual(['interrupted:SelfSignedCertificate', 'sslErrors:SelfSignedCertificate']);
  });

  it('an interrupted handshake not continued fails, without sslErrors', async () => {
    const { port } = await secureEcho({ localCertificate: certs.selfSigned.cert, privateKey: certs.selfSigned.key });
    const c = client({ handshakeMustInterruptOnError: true });
    const o = await openAndWait(c, `wss://localhost:${port}/`);
    expect(o.error).toBe(SocketError.SslHandshakeFailedError);
    expect(o.log).toEqual(['interrupted:SelfSignedCertificate']);
  });

  it('host-name errors are not interrupted early (Qt checks them after the chain)', async () => {
    const { port } = await secureEcho({ localCertificate: certs.wrongHost.cert, privateKey: certs.wrongHost.key });
    const c = client({ caCertificates: certs.ca, handshakeMustInterruptOnError: true });
    const o = await openAndWait(c, `wss://localhost:${port}/`);
    expect(o.log).toEqual(['peerVerifyError:HostNameMismatch', 'sslErrors:HostNameMismatch']);
  });
});

describe('server: mutual TLS, PSK, handshake failures', () => {
  const mtls = { peerVerifyMode: PeerVerifyMode.VerifyPeer };

  it('VerifyPeer accepts a client certificate signed by a trusted CA', async () => {
    const { server, port, accepted } = await secureEcho({ ...mtls, caCertificates: certs.ca });
    const errors: string[] = [];
    server.on('sslErrors', (e) => errors.push(...e.map((x) => SslErrorCode[x.error()])));
    const c = client({ caCertificates: certs.ca, localCertificate: certs.client.cert, privateKey: certs.client.key });
    const o = await openAndWait(c, `wss://localhost:${port}/`);
    expect(o.connected).toBe(true);
    expect(await echo(c, 'mutual')).toBe('mutual');
    expect(errors).toEqual([]);
    expect(accepted.length).toBe(1);
  });

  it('VerifyPeer refuses a missing or untrusted client certificate: peerVerifyError + sslErrors on the server', async () => {
    const { server, port, accepted } = await secureEcho({ ...mtls, caCertificates: certs.ca });
    const log: string[] = [];
    server.on('peerVerifyError', (e) => log.push(`peerVerifyError:${SslErrorCode[e.error()]}`));
    server.on('sslErrors', (e) => log.push(`sslErrors:${e.map((x) => SslErrorCode[x.error()]).join(',')}`));
    const o = await openAndWait(client({ caCertificates: certs.ca }), `wss://localhost:${port}/`);
    expect(o.connected).toBe(false);
    expect([SocketError.RemoteHostClosedError, SocketError.SslHandshakeFailedError]).toContain(o.error);
    expect(log).toEqual(['peerVerifyError:NoPeerCertificate', 'sslErrors:NoPeerCertificate']);
    log.length = 0;
    const c2 = client({ caCertificates: certs.ca, localCertificate: certs.clientSelfSigned.cert, privateKey: certs.clientSelfSigned.key });
    const o2 = await openAndWait(c2, `wss://localhost:${port}/`);
    expect(o2.connected).toBe(false);
    expect(log).toEqual(['peerVerifyError:SelfSignedCertificate', 'sslErrors:SelfSignedCertificate']);
    expect(accepted.length).toBe(0);
  });

  it('QueryPeer (the server default) asks for a certificate but accepts any', async () => {
    const { port } = await secureEcho({ peerVerifyMode: undefined });
    const c = client({ caCertificates: certs.ca, localCertificate: certs.clientSelfSigned.cert, privateKey: certs.clientSelfSigned.key });
    expect((await openAndWait(c, `wss://localhost:${port}/`)).connected).toBe(true);
  });

  it('PSK (TLS 1.2): preSharedKeyAuthenticationRequired on both sides', async () => {
    const psk = { ciphers: 'PSK-AES128-GCM-SHA256', maxProtocol: 'TLSv1.2' as const };
    const seen: string[] = [];
    const { port } = await secureEcho({ ...psk, localCertificate: undefined, privateKey: undefined, preSharedKeyIdentityHint: 'qws-hint' }, (s) => {
      s.on('preSharedKeyAuthenticationRequired', (auth: PreSharedKeyAuthenticator) => {
        seen.push(`server:${auth.identity().toString()}`);
        if (auth.identity().toString() === 'client-1') auth.setPreSharedKey(Buffer.from('0123456789abcdef'));
      });
    });
    const c = client({ ...psk, peerVerifyMode: PeerVerifyMode.VerifyPeer });
    c.on('preSharedKeyAuthenticationRequired', (auth) => {
      seen.push(`client:${auth.identityHint().toString()}:${auth.maximumIdentityLength()}:${auth.maximumPreSharedKeyLength()}`);
      auth.setIdentity('client-1');
      auth.setPreSharedKey(Buffer.from('0123456789abcdef'));
    });
    const o = await openAndWait(c, `wss://localhost:${port}/`);
    expect(o.connected).toBe(true);
    expect(o.log).toEqual([]);
    expect(await echo(c, 'psk')).toBe('psk');
    expect(seen).toEqual(['client:qws-hint:256:512', 'server:client-1']);

    // unknown identity: the server has no key → the handshake fails
    const bad = client({ ...psk });
    bad.on('preSharedKeyAuthenticationRequired', (auth) => {
      auth.setIdentity('intruder');
      auth.setPreSharedKey('guess');
    });
    const o2 = await openAndWait(bad, `wss://localhost:${port}/`);
    expect(o2.connected).toBe(false);
    expect(o2.error).toBe(SocketError.SslHandshakeFailedError);
  });

  it('a TLS handshake failure emits serverError(1015) and the alerts seen on both sides', async () => {
    const serverLog: string[] = [];
    const { port } = await secureEcho({ maxProtocol: 'TLSv1.2' }, (s) => {
      s.on('serverError', (code) => serverLog.push(`serverError:${code}`));
      s.on('alertSent', (level, type) => serverLog.push(`alertSent:${AlertLevel[level]}:${AlertType[type]}`));
    });
    const c = client({ caCertificates: certs.ca, minProtocol: 'TLSv1.3' });
    const alerts: string[] = [];
    c.on('alertReceived', (level, type, description) => alerts.push(`${AlertLevel[level]}:${AlertType[type]}:${description !== ''}`));
    const o = await openAndWait(c, `wss://localhost:${port}/`);
    expect(o.error).toBe(SocketError.SslHandshakeFailedError);
    expect(alerts).toEqual(['Fatal:ProtocolVersion:true']);
    await new Promise((r) => setTimeout(r, 50));
    expect(serverLog).toEqual(['alertSent:Fatal:ProtocolVersion', `serverError:${CloseCode.CloseCodeTlsHandshakeFailed}`]);
  });

  it('a wss:// client against a plain ws:// server: alertSent(ProtocolVersion), SslHandshakeFailedError', async () => {
    const plain = new WebSocketServer('plain', SslMode.NonSecureMode);
    expect(await plain.listen('127.0.0.1', 0)).toBe(true);
    cleanups.push(() => plain.close());
    const c = client();
    const alerts: string[] = [];
    c.on('alertSent', (level, type) => alerts.push(`${AlertLevel[level]}:${AlertType[type]}`));
    const o = await openAndWait(c, `wss://127.0.0.1:${plain.serverPort()}/`);
    expect(o.error).toBe(SocketError.SslHandshakeFailedError);
    expect(alerts).toEqual(['Fatal:ProtocolVersion']);
  });

  it('plain HTTP on the TLS port is a TLS handshake failure (1015)', async () => {
    const codes: CloseCode[] = [];
    const { port } = await secureEcho({}, (s) => s.on('serverError', (c) => codes.push(c)));
    await new Promise<void>((resolve) => {
      const s = netConnect(port, '127.0.0.1', () => s.write('GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n\r\n'));
      s.on('error', () => {});
      s.on('close', () => resolve());
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(codes).toEqual([CloseCode.CloseCodeTlsHandshakeFailed]);
  });

  it('the server handshake timeout covers the TLS handshake (a silent TCP client is dropped)', async () => {
    const codes: CloseCode[] = [];
    const { port } = await secureEcho({}, (s) => {
      s.setHandshakeTimeout(100);
      s.on('serverError', (c) => codes.push(c));
    });
    const closed = await new Promise<boolean>((resolve) => {
      const s = netConnect(port, '127.0.0.1');
      s.on('error', () => {});
      s.on('close', () => resolve(true));
    });
    expect(closed).toBe(true);
    expect(codes).toEqual([]);
  });

  it('the server handshake timeout also covers the HTTP upgrade after TLS', async () => {
    const { port } = await secureEcho({}, (s) => s.setHandshakeTimeout(150));
    const { connect } = await import('node:tls');
    const closed = await new Promise<boolean>((resolve) => {
      const s = connect({ port, host: '127.0.0.1', ca: certs.ca, servername: 'localhost' });
      s.on('error', () => {});
      s.on('close', () => resolve(true));
    });
    expect(closed).toBe(true);
  });

  it('the client handshake timeout covers the TLS handshake (SocketTimeoutError)', async () => {
    const sockets: Socket[] = [];
    const silent = createNetServer((s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise((r) => { sockets.forEach((s) => s.destroy()); silent.close(() => r(undefined)); }));
    const o = await openAndWait(client(), `wss://127.0.0.1:${(silent.address() as { port: number }).port}/`, 150);
    expect(o.error).toBe(SocketError.SocketTimeoutError);
  });

  it('SecureMode without certificate (and no PSK ciphers) refuses to listen', async () => {
    const s = new WebSocketServer('x', SslMode.SecureMode);
    expect(await s.listen('127.0.0.1', 0)).toBe(false);
    expect(s.error()).toBe(SocketError.SslInvalidUserDataError);
  });
});

describe('interop with ws over https', () => {
  async function wsHttpsEcho(): Promise<{ port: number; reused: boolean[] }> {
    const https: HttpsServer = createHttpsServer({ cert: certs.server.cert, key: certs.server.key });
    const wss = new WsServer({ server: https });
    const reused: boolean[] = [];
    wss.on('connection', (s, req) => {
      reused.push((req.socket as TLSSocket).isSessionReused());
      s.on('message', (m, bin) => s.send(m, { binary: bin }));
    });
    await new Promise<void>((r) => https.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise((r) => { for (const c of wss.clients) c.terminate(); wss.close(); https.close(() => r(undefined)); }));
    return { port: (https.address() as { port: number }).port, reused };
  }

  it('our client ↔ ws server over wss://', async () => {
    const { port } = await wsHttpsEcho();
    const c = client({ caCertificates: certs.ca });
    const o = await openAndWait(c, `wss://localhost:${port}/`);
    expect(o.connected).toBe(true);
    expect(await echo(c, 'to ws')).toBe('to ws');
    const bin = await new Promise<Buffer>((resolve) => {
      c.once('binaryMessageReceived', resolve);
      c.sendBinaryMessage(Buffer.alloc(70000, 7));
    });
    expect(bin.equals(Buffer.alloc(70000, 7))).toBe(true);
  });

  it('ws client ↔ our SecureMode server over wss://', async () => {
    const { port } = await secureEcho();
    const ws = new WsClient(`wss://localhost:${port}/`, { ca: certs.ca });
    cleanups.push(() => ws.terminate());
    await new Promise((resolve, reject) => {
      ws.on('open', resolve);
      ws.on('error', reject);
    });
    const reply = await new Promise<string>((resolve) => {
      ws.once('message', (m) => resolve(m.toString()));
      ws.send('from ws');
    });
    expect(reply).toBe('from ws');
  });

  it('TLS sessions are resumed per host:port unless sessionReuse is false', async () => {
    clearTlsSessionCache();
    const { port, reused } = await wsHttpsEcho();
    for (let i = 0; i < 2; i++) {
      const c = client({ caCertificates: certs.ca });
      expect((await openAndWait(c, `wss://localhost:${port}/`)).connected).toBe(true);
      expect(await echo(c, 'x')).toBe('x');
      c.abort();
    }
    const c = client({ caCertificates: certs.ca, sessionReuse: false });
    expect((await openAndWait(c, `wss://localhost:${port}/`)).connected).toBe(true);
    expect(reused).toEqual([false, true, false]);
  });
});
