/** SslConfiguration → Node tls options (src/transport/tls). */
import { describe, expect, it } from 'vitest';
import { clientTlsOptions, effectiveVerifyMode, serverTlsOptions } from '../../../src/transport/tls';
import { PeerVerifyMode } from '../../../src/protocol/enums';

describe('clientTlsOptions', () => {
  it('maps every field users set', () => {
    const o = clientTlsOptions({
      caCertificates: 'CA',
      localCertificate: 'CERT',
      privateKey: 'KEY',
      passphrase: 'pw',
      minProtocol: 'TLSv1.2',
      maxProtocol: 'TLSv1.3',
      ciphers: 'HIGH',
      allowedNextProtocols: ['http/1.1'],
      peerVerifyName: 'example.org',
    });
    expect(o).toEqual({ ca: 'CA', cert: 'CERT', key: 'KEY', passphrase: 'pw', minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3', ciphers: 'HIGH', ALPNProtocols: ['http/1.1'], servername: 'example.org' });
  });
  it('leaves unset fields to Node and never sends an IP literal as SNI', () => {
    expect(clientTlsOptions({})).toEqual({});
    expect(clientTlsOptions({ peerVerifyName: '127.0.0.1' })).toEqual({});
  });
});

describe('serverTlsOptions and verify modes', () => {
  it('AutoVerifyPeer is QueryPeer on servers and VerifyPeer on clients', () => {
    expect(effectiveVerifyMode({}, true)).toBe(PeerVerifyMode.QueryPeer);
    expect(effectiveVerifyMode({}, false)).toBe(PeerVerifyMode.VerifyPeer);
    expect(effectiveVerifyMode({ peerVerifyMode: PeerVerifyMode.VerifyNone }, false)).toBe(PeerVerifyMode.VerifyNone);
  });
  it('asks for a client certificate unless VerifyNone, and never lets OpenSSL reject it', () => {
    expect(serverTlsOptions({})).toMatchObject({ requestCert: true, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] });
    expect(serverTlsOptions({ peerVerifyMode: PeerVerifyMode.VerifyNone }).requestCert).toBe(false);
    expect(serverTlsOptions({ preSharedKeyIdentityHint: 'h' }).pskIdentityHint).toBe('h');
  });
});
