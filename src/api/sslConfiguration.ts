/**
 * QSslConfiguration, mapped onto Node's tls options.
 * @module
 */

/** The TLS settings users set (Qt's QSslConfiguration, as plain data). */
export interface SslConfiguration {
  /** CA certificates (PEM) trusted for the peer, replacing the defaults when set. */
  caCertificates?: string | Buffer | Array<string | Buffer>;
  /** Our certificate chain (PEM). */
  localCertificate?: string | Buffer;
  /** Our private key (PEM) and its passphrase. */
  privateKey?: string | Buffer;
  passphrase?: string;
  /** Minimum and maximum TLS versions, e.g. 'TLSv1.2'. */
  minProtocol?: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
  maxProtocol?: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
  /** OpenSSL cipher list. */
  ciphers?: string;
  /** ALPN protocols to offer. */
  allowedNextProtocols?: string[];
  /** SNI server name to send (defaults to the URL's host). */
  peerVerifyName?: string;
}
