/**
 * TLS settings: Qt's QSslConfiguration (transport/sslConfiguration) mapped onto Node's tls options.
 * @module
 */
import { isIP } from 'node:net';
import type { ConnectionOptions, SecureContextOptions, TlsOptions } from 'node:tls';
import type { SslConfiguration } from './sslConfiguration';
import { PeerVerifyMode } from '../protocol/enums';

/** The options both sides share: trust, own certificate, protocol range, ciphers. */
function commonTlsOptions(config: SslConfiguration): SecureContextOptions & { ALPNProtocols?: string[] } {
  const o: SecureContextOptions & { ALPNProtocols?: string[] } = {};
  if (config.caCertificates !== undefined) o.ca = config.caCertificates;
  if (config.localCertificate !== undefined) o.cert = config.localCertificate;
  if (config.privateKey !== undefined) o.key = config.privateKey;
  if (config.passphrase !== undefined) o.passphrase = config.passphrase;
  if (config.minProtocol !== undefined) o.minVersion = config.minProtocol;
  if (config.maxProtocol !== undefined) o.maxVersion = config.maxProtocol;
  if (config.ciphers !== undefined) o.ciphers = config.ciphers;
  if (config.allowedNextProtocols !== undefined) o.ALPNProtocols = config.allowedNextProtocols;
  return o;
}

/**
 * Node tls.connect options for a client's SslConfiguration.
 * Fields left unset keep Node's defaults (system CAs, verification on). The Qt certificate-error
 * flow (transport/tlsFlow) then turns verification off in OpenSSL and does it itself.
 */
export function clientTlsOptions(config: SslConfiguration): ConnectionOptions {
  const o: ConnectionOptions = commonTlsOptions(config);
  // RFC 6066 §3: SNI carries host names only
  if (config.peerVerifyName !== undefined && isIP(config.peerVerifyName) === 0) o.servername = config.peerVerifyName;
  return o;
}

/** The effective verify mode of one side (Qt: AutoVerifyPeer is QueryPeer on servers, VerifyPeer on clients). */
export function effectiveVerifyMode(config: SslConfiguration, server: boolean): PeerVerifyMode {
  const m = config.peerVerifyMode ?? PeerVerifyMode.AutoVerifyPeer;
  if (m !== PeerVerifyMode.AutoVerifyPeer) return m;
  return server ? PeerVerifyMode.QueryPeer : PeerVerifyMode.VerifyPeer;
}

/**
 * Node tls.createServer options for a server's SslConfiguration. A client certificate is asked
 * for unless the verify mode is VerifyNone; OpenSSL never rejects it by itself
 * (rejectUnauthorized false): the server reports the errors with Qt's sslErrors flow.
 */
export function serverTlsOptions(config: SslConfiguration): TlsOptions {
  const o: TlsOptions = commonTlsOptions(config);
  if (o.ALPNProtocols === undefined) o.ALPNProtocols = ['http/1.1'];
  o.requestCert = effectiveVerifyMode(config, true) !== PeerVerifyMode.VerifyNone;
  o.rejectUnauthorized = false;
  if (config.preSharedKeyIdentityHint !== undefined) o.pskIdentityHint = config.preSharedKeyIdentityHint;
  return o;
}
