/**
 * wss:// server side on loopback: mutual TLS (VerifyPeer, QueryPeer), PSK on both sides, TLS
 * handshake failures with serverError(1015) and the alerts each side sees, and the handshake
 * timeouts covering TLS. The client's certificate-error flow is in tls.test.ts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { connect as netConnect, createServer as createNetServer, type Socket } from 'node:net';
import { AlertLevel, AlertType, CloseCode, PeerVerifyMode, SocketError, SslErrorCode, SslMode, WebSocketServer, type PreSharedKeyAuthenticator } from '../../src/index';
import type { TestCerts } from '../helpers/certs';
import { echo, openAndWait, useTlsRig } from '../helpers/tlsRig';

const rig = useTlsRig();
const { cleanups, secureEcho, client } = rig;
let certs: TestCerts;
beforeAll(() => {
  certs = rig.certs;
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

