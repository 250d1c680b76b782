/**
 * wss:// with Qt's certificate-error flow, client side, on loopback: every verification error
 * path, ignoreSslErrors (all / by list), PauseOnSslErrors + resume, early interruption, session
 * reuse, and `ws` over https as an independent peer in both directions. The server side (mutual
 * TLS, PSK, handshake failures and alerts) is in tls-server.test.ts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { WebSocket as WsClient, WebSocketServer as WsServer } from 'ws';
import { PauseMode, PeerVerifyMode, SocketError, SslError, SslErrorCode, clearTlsSessionCache } from '../../src/index';
import type { TestCerts } from '../helpers/certs';
import { echo, fp, openAndWait, useTlsRig } from '../helpers/tlsRig';

const rig = useTlsRig();
const { cleanups, secureEcho, client } = rig;
let certs: TestCerts;
beforeAll(() => {
  certs = rig.certs;
});

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
