/**
 * The server's way from an accepted socket to an upgrade request, the same for every face:
 * each socket gets a handshake timer (a slow or silent client — slowloris — is dropped), is
 * fed to one internal HTTP parser per server, and plain requests get 426; the parser's upgrade
 * requests go to the face. Also the face-neutral answer to a client's extension offer.
 * @module
 */
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import { Limits } from '../codec/constants';
import { parseExtensions } from '../protocol/extensions';
import { selectDeflateOffer, type PerMessageDeflateOptions } from '../protocol/permessageDeflate';
import { refuseUpgrade } from '../transport/upgrade';
import { timerQueue, type TimerEntry } from '../transport/timerQueue';
import type { DeflateSetting } from './request';

/** What the acceptor reports to its server. */
export interface AcceptorEvents {
  /** A complete upgrade request arrived (the socket's handshake timer still runs). */
  onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** A request the HTTP parser rejected; it was answered with `status` (400 or 431). */
  onBadRequest(status: number): void;
}

/** See the module comment. */
export class UpgradeAcceptor {
  readonly #events: AcceptorEvents;
  #handshakeTimeoutMs: number;
  readonly #handshaking = new Map<Duplex, TimerEntry>();
  #http: HttpServer | null = null;

  constructor(events: AcceptorEvents, handshakeTimeoutMs: number) {
    this.#events = events;
    this.#handshakeTimeoutMs = handshakeTimeoutMs;
  }

  /** Milliseconds a socket may take from accept to its upgrade (applies to sockets accepted later). */
  setHandshakeTimeout(ms: number): void {
    this.#handshakeTimeoutMs = ms;
  }

  /** Starts the handshake timer of `socket` (once). */
  track(socket: Duplex): void {
    if (this.#handshaking.has(socket)) return;
    const entry = timerQueue(this.#handshakeTimeoutMs).add(() => {
      this.#handshaking.delete(socket);
      socket.destroy();
    });
    this.#handshaking.set(socket, entry);
    socket.on('close', this.#onTrackedClose);
  }

  /** Stops the handshake timer of `socket` (it upgraded, failed, or is handled elsewhere). */
  untrack(socket: Duplex): void {
    const e = this.#handshaking.get(socket);
    if (e === undefined) return;
    e.queue?.cancel(e);
    this.#handshaking.delete(socket);
    socket.off('close', this.#onTrackedClose);
  }

  /** Moves a handshake timer from a TCP socket to the TLS socket over it. */
  retrack(from: Duplex, to: Duplex): void {
    const e = this.#handshaking.get(from);
    if (e === undefined || from.destroyed) return;
    this.#handshaking.delete(from);
    this.#handshaking.set(to, e);
    from.off('close', this.#onTrackedClose);
    to.on('close', this.#onTrackedClose);
  }

  /** Reads the HTTP request of an accepted (and tracked) socket. */
  parse(socket: Duplex): void {
    this.#parser().emit('connection', socket);
  }

  /** Drops every socket still in its handshake. */
  dropAll(): void {
    for (const [s, e] of this.#handshaking) {
      e.queue?.cancel(e);
      s.destroy();
    }
    this.#handshaking.clear();
  }

  /** One listener for every handshaking socket of this acceptor (no closure per socket). */
  readonly #onTrackedClose = ((acceptor: UpgradeAcceptor) =>
    function (this: Duplex): void {
      acceptor.untrack(this);
    })(this);

  #parser(): HttpServer {
    if (this.#http === null) {
      const http = createHttpServer({ maxHeaderSize: Limits.MAX_HANDSHAKE_SIZE, noDelay: true });
      http.on('upgrade', (req, socket, head) => this.#events.onUpgrade(req, socket, head));
      http.on('request', (_req, res) => {
        res.writeHead(426, { Upgrade: 'websocket', Connection: 'Upgrade, close', 'Content-Type': 'text/plain' });
        res.end('This is a WebSocket endpoint\n');
      });
      http.on('clientError', (err: Error & { code?: string }, socket: Duplex) => {
        this.untrack(socket);
        const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
        refuseUpgrade(socket, status, status === 431 ? 'Request headers too large' : 'Bad request');
        this.#events.onBadRequest(status);
      });
      this.#http = http;
    }
    return this.#http;
  }
}

/**
 * Answers a client's Sec-WebSocket-Extensions offer with permessage-deflate (RFC 7692) when
 * `options` is set: the response header and the agreement, null to accept no extension,
 * 'malformed' for a header that breaks the RFC 6455 §9.1 grammar (a bad request either way).
 */
export function negotiateExtensions(offer: string, options: PerMessageDeflateOptions | null): { response: string; agreement: DeflateSetting } | null | 'malformed' {
  if (options === null) return parseExtensions(offer) === null ? 'malformed' : null;
  const sel = selectDeflateOffer(offer, options);
  if (sel === null || sel === 'malformed') return sel;
  return { response: sel.response, agreement: { agreement: sel.agreement, options } };
}
