/**
 * TLS settings: Qt's QSslConfiguration (api/sslConfiguration) mapped onto Node's tls options.
 * @module
 */
import type { ConnectionOptions } from 'node:tls';
import type { SslConfiguration } from '../api/sslConfiguration';

/**
 * Node tls.connect options for a client's SslConfiguration.
 * Fields left unset keep Node's defaults (system CAs, verification on).
 */
export function clientTlsOptions(config: SslConfiguration): ConnectionOptions {
  const o: ConnectionOptions = {};
  if (config.caCertificates !== undefined) o.ca = config.caCertificates;
  if (config.localCertificate !== undefined) o.cert = config.localCertificate;
  if (config.privateKey !== undefined) o.key = config.privateKey;
  if (config.passphrase !== undefined) o.passphrase = config.passphrase;
  if (config.minProtocol !== undefined) o.minVersion = config.minProtocol;
  if (config.maxProtocol !== undefined) o.maxVersion = config.maxProtocol;
  if (config.ciphers !== undefined) o.ciphers = config.ciphers;
  if (config.allowedNextProtocols !== undefined) o.ALPNProtocols = config.allowedNextProtocols;
  if (config.peerVerifyName !== undefined) o.servername = config.peerVerifyName;
  return o;
}
