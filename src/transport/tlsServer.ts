/**
 * The TLS side of a SecureMode WebSocketServer: accepted TCP sockets are handed to a tls.Server
 * that never listens itself (its 'connection' event is fed by hand), so Node's own server-side
 * TLS code runs the handshake; then the client certificate is checked (Qt's sslErrors flow, by
 * the owner) and the TLS socket goes on to the HTTP upgrade.
 * @module
 */
import type { Socket } from 'node:net';
import { createServer as createTlsServer, type Server as TlsServer, type TLSSocket, type TlsOptions } from 'node:tls';
import type { PeerVerifyMode } from '../protocol/enums';
import { collectFailures, type TlsVerifyFailure } from './tlsFlow';
import { isTlsError, tlsAlertOf, type TlsAlert } from './tlsAlerts';
import { trustAnchors } from './trustStore';

/** What the owner decides and learns. */
export interface TlsAcceptorEvents {
  /** The handshake is done: return false to drop the connection (client-certificate failures). */
  verify(failures: TlsVerifyFailure[], socket: TLSSocket): boolean;
  /** A verified TLS connection, ready for the HTTP upgrade; `raw` is the TCP socket under it. */
  secured(secure: TLSSocket, raw: Socket | null): void;
  /**
   * The TLS handshake failed with a TLS-level error (not for a peer that merely disconnected).
   * `alert` is the alert it shows, if any (see transport/tlsAlerts).
   */
  failed(err: Error, alert: TlsAlert | null): void;
  /** TLS-PSK: the key for the identity the client sent, or null to refuse. */
  psk?(identity: string): Buffer | null;
}

/** Runs server-side TLS on accepted sockets. */
export class TlsAcceptor {
  #server: TlsServer;

  /**
   * @param options from transport/tls.serverTlsOptions
   * @param verifyMode the resolved verify mode (QueryPeer/VerifyNone report nothing)
   * @param verifyDepth the verify depth for client chains (OpenSSL's meaning), 0 for the default
   * @param events the owner's callbacks
   * @throws Error when the key/certificate cannot be loaded (from tls.createServer)
   */
  constructor(options: TlsOptions, verifyMode: PeerVerifyMode, verifyDepth: number, events: TlsAcceptorEvents) {
    const psk = events.psk;
    const opts: TlsOptions = { ...options };
    if (psk !== undefined) opts.pskCallback = (_socket, identity) => psk(identity);
    this.#server = createTlsServer(opts);
    this.#server.on('secureConnection', (secure: TLSSocket) => {
      const raw = (secure as unknown as { _parent?: unknown })._parent;
      // a PSK suite authenticates the client without a certificate
      const usedPsk = psk !== undefined && /PSK/.test(secure.getCipher()?.name ?? '');
      let failures: TlsVerifyFailure[];
      try {
        failures = collectFailures(secure, verifyMode, verifyDepth, null, usedPsk, () => trustAnchors(options.ca));
      } catch {
        secure.destroy();
        return;
      }
      if (!events.verify(failures, secure)) {
        secure.destroy();
        return;
      }
      events.secured(secure, raw !== null && typeof raw === 'object' ? (raw as Socket) : null);
    });
    this.#server.on('tlsClientError', (err: Error, secure: TLSSocket) => {
      secure.destroy();
      // errors of the TLS protocol itself (OpenSSL's), not disconnects and timeouts
      if (isTlsError(err)) events.failed(err, tlsAlertOf(err));
    });
  }

  /** Starts TLS on an accepted TCP socket (the socket belongs to the acceptor from now on). */
  accept(socket: Socket): void {
    this.#server.emit('connection', socket);
  }
}
