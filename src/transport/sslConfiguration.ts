/**
 * QSslConfiguration, mapped onto Node's tls options.
 * @module
 */
import type { PeerVerifyMode } from '../protocol/enums';

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
  /**
   * The name the peer's certificate must match, also sent as SNI (defaults to the URL's host;
   * IP literals are matched against IP subjectAltNames and not sent as SNI).
   */
  peerVerifyName?: string;
  /**
   * How the peer's certificate is checked (default AutoVerifyPeer: VerifyPeer for clients,
   * QueryPeer for servers). VerifyNone/QueryPeer report no certificate errors; a server with
   * VerifyNone does not ask for a client certificate.
   */
  peerVerifyMode?: PeerVerifyMode;
  /**
   * OpenSSL's verify depth, as Qt passes it on (SSL_CTX_set_verify_depth): at most this many
   * intermediates between the peer's certificate and the trust anchor; 0 for OpenSSL's default
   * (100). A longer chain is reported as UnspecifiedError (openSslCode CERT_CHAIN_TOO_LONG, as
   * in Qt), next to the errors of the shortened chain, through the usual sslErrors flow.
   */
  peerVerifyDepth?: number;
  /**
   * Qt's handshakeMustInterruptOnError: certificate-chain errors are reported one by one through
   * handshakeInterruptedOnError, and the handshake only goes on when the slot calls
   * continueInterruptedHandshake(). Node verifies the chain inside OpenSSL and exposes the
   * result only after the TLS handshake, so the interruption happens there, before any
   * WebSocket byte is sent.
   */
  handshakeMustInterruptOnError?: boolean;
  /**
   * Client: keep the last TLS session (ticket) per host:port and offer it on the next connection
   * (default true). Qt's inverse of SslOptionDisableSessionSharing.
   */
  sessionReuse?: boolean;
  /** Server: the PSK identity hint sent to clients of TLS 1.2 PSK cipher suites. */
  preSharedKeyIdentityHint?: string;
}
