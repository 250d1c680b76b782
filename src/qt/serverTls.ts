/**
 * A SecureMode server's TLS: its SslConfiguration and the TLS acceptor made from it, created on
 * the first connection (a bad certificate or key is reported then, as acceptError) and again
 * after the configuration changes. The acceptor's signals (peerVerifyError, sslErrors, PSK,
 * alerts) are emitted on the server (see qt/sslFlow).
 * @module
 */
import type { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { SslConfiguration } from '../transport/sslConfiguration';
import type { TlsAcceptor } from '../transport/tlsServer';
import { invalidTlsConfiguration, type TlsStepError } from '../transport/tlsFlow';
import { serverTlsAcceptor } from './sslFlow';

/** See the module comment. */
export class ServerTls {
  readonly #server: EventEmitter;
  readonly #secured: (secure: TLSSocket, raw: Socket | null) => void;
  #config: SslConfiguration = {};
  #acceptor: TlsAcceptor | null = null;

  /**
   * @param server the WebSocketServer (its signals)
   * @param secured called with each verified TLS socket (and the TCP socket under it)
   */
  constructor(server: EventEmitter, secured: (secure: TLSSocket, raw: Socket | null) => void) {
    this.#server = server;
    this.#secured = secured;
  }

  /** A copy of the configuration. */
  get configuration(): SslConfiguration {
    return { ...this.#config };
  }
  setConfiguration(config: SslConfiguration): void {
    this.#acceptor = null;
    this.#config = { ...config };
  }
  /** A certificate to present, or PSK ciphers: a TLS handshake can succeed at all. */
  get hasCredentials(): boolean {
    return this.#config.localCertificate !== undefined || /PSK/.test(this.#config.ciphers ?? '');
  }

  /**
   * Runs the TLS handshake on `socket` (under the caller's handshake timer).
   * @returns null, or (the socket destroyed) why the configuration cannot serve
   */
  accept(socket: Socket): TlsStepError | null {
    try {
      this.#acceptor ??= serverTlsAcceptor(this.#server, this.#config, this.#secured);
    } catch (e) {
      socket.destroy();
      return invalidTlsConfiguration(e);
    }
    this.#acceptor.accept(socket);
    return null;
  }
}
