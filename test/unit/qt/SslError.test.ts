/** SslError: Qt's enum values, the OpenSSL/Node code mapping, equality; PreSharedKeyAuthenticator limits. */
import { describe, expect, it } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { SslError, SslErrorCode, PreSharedKeyAuthenticator, InvalidArgumentError } from '../../../src/index';

function selfSignedPem(cn: string): string {
  // a throwaway certificate from the openssl CLI (same tool the integration helpers use)
  return execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', '/dev/null', '-subj', `/CN=${cn}`, '-days', '1'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
}

describe('SslErrorCode', () => {
  it("has Qt's numeric values", () => {
    expect(SslErrorCode.UnspecifiedError).toBe(-1);
    expect(SslErrorCode.NoError).toBe(0);
    expect(SslErrorCode.UnableToGetIssuerCertificate).toBe(1);
    expect(SslErrorCode.CertificateNotYetValid).toBe(5);
    expect(SslErrorCode.CertificateExpired).toBe(6);
    expect(SslErrorCode.SelfSignedCertificate).toBe(9);
    expect(SslErrorCode.SelfSignedCertificateInChain).toBe(10);
    expect(SslErrorCode.UnableToGetLocalIssuerCertificate).toBe(11);
    expect(SslErrorCode.UnableToVerifyFirstCertificate).toBe(12);
    expect(SslErrorCode.CertificateRejected).toBe(18);
    expect(SslErrorCode.AuthorityIssuerSerialNumberMismatch).toBe(20);
    expect(SslErrorCode.NoPeerCertificate).toBe(21);
    expect(SslErrorCode.HostNameMismatch).toBe(22);
    expect(SslErrorCode.NoSslSupport).toBe(23);
    expect(SslErrorCode.CertificateBlacklisted).toBe(24);
    expect(SslErrorCode.OcspStatusUnknown).toBe(36);
  });
});

describe('SslError.fromOpenSslCode', () => {
  // every verify code Node 20 can report (its X509 error table) plus its own altname error, mapped
  // as Qt's OpenSSL backend maps them
  const table: Array<[string, SslErrorCode]> = [
    ['UNABLE_TO_GET_ISSUER_CERT', SslErrorCode.UnableToGetIssuerCertificate],
    ['UNABLE_TO_GET_CRL', SslErrorCode.UnspecifiedError],
    ['UNABLE_TO_DECRYPT_CERT_SIGNATURE', SslErrorCode.UnableToDecryptCertificateSignature],
    ['UNABLE_TO_DECRYPT_CRL_SIGNATURE', SslErrorCode.UnspecifiedError],
    ['UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY', SslErrorCode.UnableToDecodeIssuerPublicKey],
    ['CERT_SIGNATURE_FAILURE', SslErrorCode.CertificateSignatureFailed],
    ['CRL_SIGNATURE_FAILURE', SslErrorCode.UnspecifiedError],
    ['CERT_NOT_YET_VALID', SslErrorCode.CertificateNotYetValid],
    ['CERT_HAS_EXPIRED', SslErrorCode.CertificateExpired],
    ['CRL_NOT_YET_VALID', SslErrorCode.UnspecifiedError],
    ['CRL_HAS_EXPIRED', SslErrorCode.UnspecifiedError],
    ['ERROR_IN_CERT_NOT_BEFORE_FIELD', SslErrorCode.InvalidNotBeforeField],
    ['ERROR_IN_CERT_NOT_AFTER_FIELD', SslErrorCode.InvalidNotAfterField],
    ['ERROR_IN_CRL_LAST_UPDATE_FIELD', SslErrorCode.UnspecifiedError],
    ['ERROR_IN_CRL_NEXT_UPDATE_FIELD', SslErrorCode.UnspecifiedError],
    ['OUT_OF_MEM', SslErrorCode.UnspecifiedError],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', SslErrorCode.SelfSignedCertificate],
    ['SELF_SIGNED_CERT_IN_CHAIN', SslErrorCode.SelfSignedCertificateInChain],
    ['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', SslErrorCode.UnableToGetLocalIssuerCertificate],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', SslErrorCode.UnableToVerifyFirstCertificate],
    // Qt maps only the codes it names; the rest are UnspecifiedError there too
    ['CERT_CHAIN_TOO_LONG', SslErrorCode.UnspecifiedError],
    ['KEYUSAGE_NO_CERTSIGN', SslErrorCode.UnspecifiedError],
    ['UNHANDLED_CRITICAL_EXTENSION', SslErrorCode.UnspecifiedError],
    ['INVALID_NON_CA', SslErrorCode.UnspecifiedError],
    ['CERT_REVOKED', SslErrorCode.CertificateRevoked],
    ['INVALID_CA', SslErrorCode.InvalidCaCertificate],
    ['PATH_LENGTH_EXCEEDED', SslErrorCode.PathLengthExceeded],
    ['INVALID_PURPOSE', SslErrorCode.InvalidPurpose],
    ['CERT_UNTRUSTED', SslErrorCode.CertificateUntrusted],
    ['CERT_REJECTED', SslErrorCode.CertificateRejected],
    ['HOSTNAME_MISMATCH', SslErrorCode.UnspecifiedError],
    ['ERR_TLS_CERT_ALTNAME_INVALID', SslErrorCode.HostNameMismatch],
    ['UNSPECIFIED', SslErrorCode.UnspecifiedError],
    ['NO_PEER_CERTIFICATE', SslErrorCode.NoPeerCertificate],
    ['SOMETHING_NEW', SslErrorCode.UnspecifiedError],
  ];
  it.each(table)('%s → %s', (code, expected) => {
    const e = SslError.fromOpenSslCode(code);
    expect(e.error()).toBe(expected);
    expect(e.openSslCode()).toBe(code);
    expect(e.certificate()).toBeNull();
    expect(e.errorString().length).toBeGreaterThan(0);
  });

  it("errorString() uses Qt's wording", () => {
    expect(new SslError(SslErrorCode.SelfSignedCertificate).errorString()).toBe('The certificate is self-signed, and untrusted');
    expect(new SslError(SslErrorCode.HostNameMismatch).errorString()).toBe('The host name did not match any of the valid hosts for this certificate');
    expect(new SslError().errorString()).toBe('No error');
  });
});

describe('SslError equality', () => {
  const a = selfSignedPem('a');
  const b = selfSignedPem('b');
  it('compares code and certificate fingerprint', () => {
    expect(new SslError(SslErrorCode.SelfSignedCertificate, a).equals(new SslError(SslErrorCode.SelfSignedCertificate, Buffer.from(a)))).toBe(true);
    expect(new SslError(SslErrorCode.SelfSignedCertificate, a).equals(new SslError(SslErrorCode.SelfSignedCertificate, b))).toBe(false);
    expect(new SslError(SslErrorCode.SelfSignedCertificate, a).equals(new SslError(SslErrorCode.CertificateExpired, a))).toBe(false);
    expect(new SslError(SslErrorCode.SelfSignedCertificate).equals(new SslError(SslErrorCode.SelfSignedCertificate, a))).toBe(false);
    expect(new SslError(SslErrorCode.NoPeerCertificate).equals(new SslError(SslErrorCode.NoPeerCertificate))).toBe(true);
  });
  it('rejects bytes that are not a certificate', () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    expect(() => new SslError(SslErrorCode.NoError, publicKey.export({ type: 'spki', format: 'pem' }) as string)).toThrow();
  });
});

describe('PreSharedKeyAuthenticator', () => {
  it('keeps identity, hint and key; enforces the OpenSSL limits', () => {
    const a = new PreSharedKeyAuthenticator('hint');
    expect(a.identityHint().toString()).toBe('hint');
    expect(a.identity().length).toBe(0);
    a.setIdentity('me');
    a.setPreSharedKey(Buffer.from([1, 2, 3]));
    expect(a.identity().toString()).toBe('me');
    expect([...a.preSharedKey()]).toEqual([1, 2, 3]);
    expect(a.maximumIdentityLength()).toBe(256);
    expect(a.maximumPreSharedKeyLength()).toBe(512);
    expect(() => a.setIdentity('x'.repeat(257))).toThrow(InvalidArgumentError);
    expect(() => a.setPreSharedKey(Buffer.alloc(513))).toThrow(InvalidArgumentError);
  });
});
