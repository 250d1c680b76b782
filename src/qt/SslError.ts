/**
 * QSslError: one certificate-verification problem found during a TLS handshake, with Qt's error
 * names and numbers, and the mapping from the OpenSSL verify codes Node reports.
 * @module
 */
import { X509Certificate } from 'node:crypto';

/** QSslError::SslError, with Qt's numeric values. */
export enum SslErrorCode {
  UnspecifiedError = -1,
  NoError = 0,
  UnableToGetIssuerCertificate = 1,
  UnableToDecryptCertificateSignature = 2,
  UnableToDecodeIssuerPublicKey = 3,
  CertificateSignatureFailed = 4,
  CertificateNotYetValid = 5,
  CertificateExpired = 6,
  InvalidNotBeforeField = 7,
  InvalidNotAfterField = 8,
  SelfSignedCertificate = 9,
  SelfSignedCertificateInChain = 10,
  UnableToGetLocalIssuerCertificate = 11,
  UnableToVerifyFirstCertificate = 12,
  CertificateRevoked = 13,
  InvalidCaCertificate = 14,
  PathLengthExceeded = 15,
  InvalidPurpose = 16,
  CertificateUntrusted = 17,
  CertificateRejected = 18,
  SubjectIssuerMismatch = 19,
  AuthorityIssuerSerialNumberMismatch = 20,
  NoPeerCertificate = 21,
  HostNameMismatch = 22,
  NoSslSupport = 23,
  CertificateBlacklisted = 24,
  CertificateStatusUnknown = 25,
  OcspNoResponseFound = 26,
  OcspMalformedRequest = 27,
  OcspMalformedResponse = 28,
  OcspInternalError = 29,
  OcspTryLater = 30,
  OcspSigRequred = 31,
  OcspUnauthorized = 32,
  OcspResponseCannotBeTrusted = 33,
  OcspResponseCertIdUnknown = 34,
  OcspResponseExpired = 35,
  OcspStatusUnknown = 36,
}

/**
 * The one table from OpenSSL verify results to Qt's codes: X509_V_ERR_* names (without the
 * prefix) as transport/chainVerifier and Node's `authorizationError` give them, mapped exactly
 * as Qt's OpenSSL backend maps them (X509CertificateOpenSSL::openSSLErrorToQSslError). Every
 * other OpenSSL result — CERT_CHAIN_TOO_LONG (peerVerifyDepth), KEYUSAGE_NO_CERTSIGN,
 * UNHANDLED_CRITICAL_EXTENSION, the CRL, policy, name-constraint and security-level errors — is
 * UnspecifiedError in Qt too; {@link SslError.openSslCode} still tells which it was.
 * Two entries are this library's own: ERR_TLS_CERT_ALTNAME_INVALID, Node's host-name check
 * (Qt's own check gives HostNameMismatch), and NO_PEER_CERTIFICATE for a missing certificate.
 */
const OPENSSL_CODES: Readonly<Record<string, SslErrorCode>> = {
  UNABLE_TO_GET_ISSUER_CERT: SslErrorCode.UnableToGetIssuerCertificate,
  UNABLE_TO_DECRYPT_CERT_SIGNATURE: SslErrorCode.UnableToDecryptCertificateSignature,
  UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY: SslErrorCode.UnableToDecodeIssuerPublicKey,
  CERT_SIGNATURE_FAILURE: SslErrorCode.CertificateSignatureFailed,
  CERT_NOT_YET_VALID: SslErrorCode.CertificateNotYetValid,
  CERT_HAS_EXPIRED: SslErrorCode.CertificateExpired,
  ERROR_IN_CERT_NOT_BEFORE_FIELD: SslErrorCode.InvalidNotBeforeField,
  ERROR_IN_CERT_NOT_AFTER_FIELD: SslErrorCode.InvalidNotAfterField,
  DEPTH_ZERO_SELF_SIGNED_CERT: SslErrorCode.SelfSignedCertificate,
  SELF_SIGNED_CERT_IN_CHAIN: SslErrorCode.SelfSignedCertificateInChain,
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: SslErrorCode.UnableToGetLocalIssuerCertificate,
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: SslErrorCode.UnableToVerifyFirstCertificate,
  CERT_REVOKED: SslErrorCode.CertificateRevoked,
  INVALID_CA: SslErrorCode.InvalidCaCertificate,
  PATH_LENGTH_EXCEEDED: SslErrorCode.PathLengthExceeded,
  INVALID_PURPOSE: SslErrorCode.InvalidPurpose,
  CERT_UNTRUSTED: SslErrorCode.CertificateUntrusted,
  CERT_REJECTED: SslErrorCode.CertificateRejected,
  ERR_TLS_CERT_ALTNAME_INVALID: SslErrorCode.HostNameMismatch,
  NO_PEER_CERTIFICATE: SslErrorCode.NoPeerCertificate,
};

/** Qt's wording of each error (errorString()). */
const MESSAGES: Readonly<Partial<Record<SslErrorCode, string>>> = {
  [SslErrorCode.NoError]: 'No error',
  [SslErrorCode.UnableToGetIssuerCertificate]: 'The issuer certificate could not be found',
  [SslErrorCode.UnableToDecryptCertificateSignature]: 'The certificate signature could not be decrypted',
  [SslErrorCode.UnableToDecodeIssuerPublicKey]: 'The public key in the certificate could not be read',
  [SslErrorCode.CertificateSignatureFailed]: 'The signature of the certificate is invalid',
  [SslErrorCode.CertificateNotYetValid]: 'The certificate is not yet valid',
  [SslErrorCode.CertificateExpired]: 'The certificate has expired',
  [SslErrorCode.InvalidNotBeforeField]: "The certificate's notBefore field contains an invalid time",
  [SslErrorCode.InvalidNotAfterField]: "The certificate's notAfter field contains an invalid time",
  [SslErrorCode.SelfSignedCertificate]: 'The certificate is self-signed, and untrusted',
  [SslErrorCode.SelfSignedCertificateInChain]: 'The root certificate of the certificate chain is self-signed, and untrusted',
  [SslErrorCode.UnableToGetLocalIssuerCertificate]: 'The issuer certificate of a locally looked up certificate could not be found',
  [SslErrorCode.UnableToVerifyFirstCertificate]: 'No certificates could be verified',
  [SslErrorCode.CertificateRevoked]: 'The certificate has been revoked',
  [SslErrorCode.InvalidCaCertificate]: 'One of the CA certificates is invalid',
  [SslErrorCode.PathLengthExceeded]: 'The basicConstraints path length parameter has been exceeded',
  [SslErrorCode.InvalidPurpose]: 'The supplied certificate is unsuitable for this purpose',
  [SslErrorCode.CertificateUntrusted]: 'The root CA certificate is not trusted for this purpose',
  [SslErrorCode.CertificateRejected]: 'The root CA certificate is marked to reject the specified purpose',
  [SslErrorCode.SubjectIssuerMismatch]: 'The current candidate issuer certificate was rejected because its subject name did not match the issuer name of the current certificate',
  [SslErrorCode.AuthorityIssuerSerialNumberMismatch]: 'The current candidate issuer certificate was rejected because its issuer name and serial number was present and did not match the authority key identifier of the current certificate',
  [SslErrorCode.NoPeerCertificate]: 'The peer did not present any certificate',
  [SslErrorCode.HostNameMismatch]: 'The host name did not match any of the valid hosts for this certificate',
  [SslErrorCode.NoSslSupport]: 'No SSL support is available',
  [SslErrorCode.CertificateBlacklisted]: 'The peer certificate is blacklisted',
  [SslErrorCode.CertificateStatusUnknown]: 'The revocation status of the certificate could not be determined',
  [SslErrorCode.OcspNoResponseFound]: 'No OCSP status response found',
  [SslErrorCode.OcspMalformedRequest]: 'The OCSP status request had invalid syntax',
  [SslErrorCode.OcspMalformedResponse]: 'OCSP response contains an unexpected number of SingleResponse structures',
  [SslErrorCode.OcspInternalError]: 'OCSP responder reached an inconsistent internal state',
  [SslErrorCode.OcspTryLater]: 'OCSP responder was unable to return a status for the requested certificate',
  [SslErrorCode.OcspSigRequred]: 'The server requires the client to sign the OCSP request in order to construct a response',
  [SslErrorCode.OcspUnauthorized]: 'The client is not authorized to request OCSP status from this server',
  [SslErrorCode.OcspResponseCannotBeTrusted]: 'OCSP responder\'s identity cannot be verified',
  [SslErrorCode.OcspResponseCertIdUnknown]: 'The identity of a certificate in an OCSP response cannot be established',
  [SslErrorCode.OcspResponseExpired]: 'The certificate status response has expired',
  [SslErrorCode.OcspStatusUnknown]: 'The certificate\'s status is unknown',
};

/**
 * QSslError: an error code plus the certificate it concerns (null when none applies).
 * Two SslErrors are equal ({@link equals}) when code and certificate (by SHA-256 fingerprint)
 * are equal; `ignoreSslErrors(list)` matches with that rule.
 */
export class SslError {
  readonly #error: SslErrorCode;
  readonly #certificate: X509Certificate | null;
  readonly #detail: string;

  /**
   * @param error the Qt error code (default NoError)
   * @param certificate the certificate concerned: an X509Certificate, or PEM/DER bytes of one
   * @param detail the OpenSSL/Node code it came from, kept for diagnostics ('' when none)
   */
  constructor(error: SslErrorCode = SslErrorCode.NoError, certificate: X509Certificate | string | Buffer | null = null, detail = '') {
    this.#error = error;
    this.#certificate = certificate === null || certificate instanceof X509Certificate ? certificate : new X509Certificate(certificate);
    this.#detail = detail;
  }

  /**
   * The SslError for an OpenSSL verify code ('CERT_HAS_EXPIRED', 'DEPTH_ZERO_SELF_SIGNED_CERT',
   * 'ERR_TLS_CERT_ALTNAME_INVALID', …); codes Qt does not map give UnspecifiedError.
   */
  static fromOpenSslCode(code: string, certificate: X509Certificate | null = null): SslError {
    return new SslError(OPENSSL_CODES[code] ?? SslErrorCode.UnspecifiedError, certificate, code);
  }

  /** The Qt error code of an OpenSSL/Node verify code (UnspecifiedError when unknown). */
  static codeOf(openSslCode: string): SslErrorCode {
    return OPENSSL_CODES[openSslCode] ?? SslErrorCode.UnspecifiedError;
  }

  /** The kind of error. */
  error(): SslErrorCode {
    return this.#error;
  }

  /** Qt's human-readable description of the error. */
  errorString(): string {
    return MESSAGES[this.#error] ?? 'Unknown error';
  }

  /** The certificate the error concerns, or null. */
  certificate(): X509Certificate | null {
    return this.#certificate;
  }

  /** The OpenSSL/Node code this error was made from ('' when made by hand). Not in Qt. */
  openSslCode(): string {
    return this.#detail;
  }

  /** Qt's operator==: same code and same certificate (both null, or equal SHA-256 fingerprints). */
  equals(other: SslError): boolean {
    if (this.#error !== other.#error) return false;
    const a = this.#certificate;
    const b = other.#certificate;
    if (a === null || b === null) return a === b;
    return a.fingerprint256 === b.fingerprint256;
  }

  toString(): string {
    return `SslError(${SslErrorCode[this.#error] ?? this.#error}: ${this.errorString()})`;
  }
}
