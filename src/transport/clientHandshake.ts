/**
 * The client's way from a URL to an open WebSocket stream: open the stream (transport/stream:
 * lookup, TCP, proxy, TLS), send the upgrade request, check the response (RFC 6455 §4.1), all
 * under one handshake timeout. With `http2`, an extended CONNECT stream (RFC 8441) on the
 * origin's HTTP/2 session instead (transport/http2Client), falling back to HTTP/1.1. The
 * protocol rules themselves are in protocol/handshake.
 * @module
 */
import { constants as h2, type ClientHttp2Session, type ClientHttp2Stream } from 'node:http2';
import type { Socket } from 'node:net';
import type { ConnectionOptions, TLSSocket } from 'node:tls';
import { randomBytes } from 'node:crypto';
import { SocketError } from '../protocol/enums';
import { HandshakeError } from '../errors';
import { ResponseParser, buildConnectHeaders, buildRequest, checkConnectResponse, checkResponse, makeKey, type HandshakeResult, type ResponseHead } from '../protocol/handshake';
import { http2Route, http2SessionKey, requestWebSocketStream, retriesOnNewRoute, type OpenedConnection } from './http2Client';
import { socketErrorOf } from './socketErrors';
import { StreamError, openDirectStream, type StreamOpener, type StreamProgress, type StreamTarget } from './stream';
import { timerQueue, type TimerEntry, type TimerQueue } from './timerQueue';
import { isTlsError, tlsAlertOf } from './tlsAlerts';
import { handshakeFailureText, type TlsClientHooks } from './tlsFlow';

/** What to connect to and how. */
export interface ClientHandshakeParams {
  url: URL;
  headers: ReadonlyArray<readonly [string, string]>;
  origin: string;
  subprotocols: readonly string[];
  /** Sec-WebSocket-Extensions offer ('' for none) and the extension names it offers. */
  extensionOffer: string;
  extensionNames: readonly string[];
  handshakeTimeoutMs: number;
  /** Extra TLS options for wss:// (the TLS layer adds Qt's certificate-error flow). */
  tls: ConnectionOptions;
  /** Qt's certificate-error flow for wss:// (handed to startTls through the StreamProgress). */
  tlsHooks?: TlsClientHooks;
  /** How to open the stream (default: direct); the proxy layer supplies another. */
  openStream?: StreamOpener;
  /**
   * Called for a non-101 response that might be retried (e.g. 401 with credentials). Return
   * extra headers for one more attempt on a new connection, or null to fail.
   */
  retry?: (response: ResponseHead, attempt: number) => ReadonlyArray<readonly [string, string]> | null;
  /**
   * Open the WebSocket as an HTTP/2 extended CONNECT stream (RFC 8441) on the origin's shared
   * session, or on HTTP/1.1 when the server does not allow it.
   */
  http2?: boolean;
}

/** How one request came out: the agreement, or the failure (with the response head, if any). */
type Outcome = { result: HandshakeResult; head: ResponseHead } | { result: null; head: ResponseHead | null; message: string; cause: unknown };

/** Progress and outcome callbacks. */
export interface ClientHandshakeEvents {
  onHostLookup(): void;
  onConnecting(): void;
  /** `socket` is the TCP/TLS socket, or the HTTP/2 stream with `http2`. */
  onConnected(socket: Socket | ClientHttp2Stream, result: HandshakeResult, response: ResponseHead): void;
  onFailed(error: SocketError, message: string, cause?: unknown): void;
}

/** Default ports of the two schemes (RFC 6455 §3). */
export const DEFAULT_PORTS: Readonly<Record<string, number>> = { 'ws:': 80, 'wss:': 443 };

/** The Host header for a URL: host, plus the port when it is not the scheme's default. */
export function hostHeader(url: URL): string {
  return url.port !== '' ? `${url.hostname}:${url.port}` : url.hostname;
}

/** Path and query of a URL, '/' when empty (RFC 6455 §3 resource-name). */
export function resourceName(url: URL): string {
  return (url.pathname === '' ? '/' : url.pathname) + url.search;
}

/** One handshake attempt; call {@link abort} to cancel it. */
export class ClientHandshake {
  #params: ClientHandshakeParams;
  #events: ClientHandshakeEvents;
  #sockets: Socket[] = [];
  /** The extended CONNECT stream under way, if any (reset by an abort). */
  #stream: ClientHttp2Stream | null = null;
  #done = false;
  #timer: TimerEntry | null = null;
  #timerQueue: TimerQueue;

  constructor(params: ClientHandshakeParams, events: ClientHandshakeEvents) {
    this.#params = params;
    this.#events = events;
    this.#timerQueue = timerQueue(params.handshakeTimeoutMs);
  }

  /** Starts the attempt (host lookup first). */
  start(): void {
    this.#timer = this.#timerQueue.add(() => {
      this.#timer = null;
      this.#fail(SocketError.SocketTimeoutError, 'WebSocket handshake timed out');
    });
    this.#run().catch((e: unknown) => {
      if (e instanceof StreamError) this.#fail(e.socketError, e.message, e.cause);
      else if (e instanceof HandshakeError) this.#fail(SocketError.ConnectionRefusedError, e.message, e);
      else this.#fail(socketErrorOf(e), (e as Error)?.message ?? String(e), e);
    });
  }

  async #run(): Promise<void> {
    const p = this.#params;
    const url = p.url;
    // URL keeps IPv6 literals in brackets
    const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    const port = url.port !== '' ? Number(url.port) : DEFAULT_PORTS[url.protocol];
    const progress: StreamProgress = {
      onHostLookup: () => {
        if (!this.#done) this.#events.onHostLookup();
      },
      onConnecting: () => {
        if (!this.#done) this.#events.onConnecting();
      },
      track: (s) => {
        this.#sockets.push(s);
        // errors after the attempt ended must not become uncaught 'error' events
        s.on('error', () => {});
        if (this.#done) s.destroy();
      },
      cancelled: () => this.#done,
      tlsHooks: p.tlsHooks,
    };
    let extra: ReadonlyArray<readonly [string, string]> = [];
    const open = p.openStream ?? openDirectStream;
    const target: StreamTarget = { host, port, secure: url.protocol === 'wss:' };
    let rerouted = false;
    for (let attempt = 0; ; ) {
      const route = p.http2 === true ? await http2Route(this.#sessionKey(host, port), target.secure, () => this.#openForHttp2(open, target, progress)) : null;
      if (this.#done) return;
      let carrier: Socket | ClientHttp2Stream;
      let outcome: Outcome;
      if (route?.kind === 'session') {
        // the session's connection is the pool's now: a failure of this WebSocket must not end it
        this.#sockets = [];
        try {
          ({ stream: carrier, outcome } = await this.#connectStream(route.session, extra));
        } catch (e) {
          if (rerouted || this.#done || !retriesOnNewRoute(route, e)) throw e;
          rerouted = true;
          continue;
        }
      } else {
        const socket = route?.socket ?? (await open(target, p.tls, progress));
        if (this.#done) return;
        carrier = socket;
        outcome = await this.#upgrade(socket, extra);
      }
      if (this.#done) return;
      if (outcome.result !== null) {
        this.#succeed(carrier, outcome.result, outcome.head);
        return;
      }
      carrier.destroy();
      const retry = p.retry !== undefined && outcome.head !== null ? p.retry(outcome.head, attempt) : null;
      if (retry === null) throw new StreamError(SocketError.ConnectionRefusedError, outcome.message, { cause: outcome.cause });
      extra = retry;
      attempt++;
    }
  }

  /**
   * Which HTTP/2 sessions this WebSocket may share: those to the same origin under the same TLS
   * configuration; none through a proxy (null).
   */
  #sessionKey(host: string, port: number): string | null {
    const p = this.#params;
    if (p.openStream !== undefined) return null;
    return http2SessionKey(p.url, host, port, p.tlsHooks, p.tls);
  }

  /** Opens a connection offering h2 by ALPN, noting whether the peer verified without errors. */
  async #openForHttp2(open: StreamOpener, target: StreamTarget, progress: StreamProgress): Promise<OpenedConnection> {
    const hooks = progress.tlsHooks;
    let clean = false;
    const watched: StreamProgress = hooks === undefined ? progress : {
      ...progress,
      tlsHooks: {
        ...hooks,
        verify: (failures, cancelled) => {
          clean = failures.length === 0;
          return hooks.verify(failures, cancelled);
        },
      },
    };
    const tls = this.#params.tls;
    const socket = await open(target, { ...tls, ALPNProtocols: tls.ALPNProtocols ?? ['h2', 'http/1.1'] }, watched);
    const verified = !target.secure || (hooks === undefined ? (socket as TLSSocket).authorized : clean);
    return { socket, verified };
  }

  /** Sends the extended CONNECT (RFC 8441 §4) on `session` and checks the answer. */
  async #connectStream(session: ClientHttp2Session, extra: ReadonlyArray<readonly [string, string]>): Promise<{ stream: ClientHttp2Stream; outcome: Outcome }> {
    const p = this.#params;
    const { headers, offered } = this.#requestParts(extra);
    const fields = buildConnectHeaders({ host: hostHeader(p.url), resource: resourceName(p.url), secure: p.url.protocol === 'wss:', origin: p.origin, subprotocols: p.subprotocols, extensions: p.extensionOffer, headers });
    const { stream, head } = await requestWebSocketStream(session, fields, (s) => {
      this.#stream = s;
      if (this.#done) s.close(h2.NGHTTP2_CANCEL);
    });
    try {
      return { stream, outcome: { result: checkConnectResponse(head, { subprotocols: offered, extensions: p.extensionNames }), head } };
    } catch (e) {
      if (e instanceof HandshakeError) return { stream, outcome: { result: null, head, message: e.message, cause: e } };
      throw e;
    }
  }

  /** The request's headers (the user's plus a retry's) and every subprotocol they offer. */
  #requestParts(extra: ReadonlyArray<readonly [string, string]>): { headers: Array<readonly [string, string]>; offered: string[] } {
    const p = this.#params;
    const headers = [...p.headers, ...extra];
    const offered = [...p.subprotocols];
    for (const [name, value] of headers) {
      if (name.toLowerCase() === 'sec-websocket-protocol') offered.push(...value.split(',').map((s) => s.trim()));
    }
    return { headers, offered };
  }

  /** Sends the upgrade request and reads the response head. */
  #upgrade(socket: Socket, extra: ReadonlyArray<readonly [string, string]>): Promise<Outcome> {
    const p = this.#params;
    const key = makeKey(randomBytes(16));
    const { headers, offered } = this.#requestParts(extra);
    const request = buildRequest({
      host: hostHeader(p.url),
      resource: resourceName(p.url),
      key,
      origin: p.origin,
      subprotocols: p.subprotocols,
      extensions: p.extensionOffer,
      headers,
    });
    return new Promise((resolve, reject) => {
      const parser = new ResponseParser();
      const cleanup = (): void => {
        socket.off('data', onData);
        socket.off('close', onClose);
        socket.off('error', onError);
      };
      // with TLS 1.3 the client's handshake is done before the server has judged the client's
      // certificate: a refusal (certificate_required, bad_certificate, …) arrives as an alert
      // here, while the upgrade is under way; it is a TLS failure, not a mere disconnect
      const onError = (err: Error): void => {
        if (!isTlsError(err)) return; // the close that follows reports it
        cleanup();
        const alert = tlsAlertOf(err);
        if (alert !== null && !this.#done) p.tlsHooks?.alert?.(alert.received, alert.level, alert.type, alert.description);
        reject(new StreamError(SocketError.SslHandshakeFailedError, handshakeFailureText(err), { cause: err }));
      };
      const onClose = (): void => {
        cleanup();
        reject(new StreamError(SocketError.RemoteHostClosedError, 'Connection closed during the WebSocket handshake'));
      };
      const onData = (chunk: Buffer): void => {
        let head: ResponseHead | null = null;
        try {
          head = parser.push(chunk);
          if (head === null) return;
          cleanup();
          socket.pause();
          resolve({ result: checkResponse(head, { key, subprotocols: offered, extensions: p.extensionNames }), head });
        } catch (e) {
          cleanup();
          if (e instanceof HandshakeError) resolve({ result: null, head, message: e.message, cause: e });
          else reject(e);
        }
      };
      socket.on('data', onData);
      socket.on('close', onClose);
      socket.on('error', onError);
      socket.write(request);
    });
  }

  #succeed(socket: Socket | ClientHttp2Stream, result: HandshakeResult, head: ResponseHead): void {
    if (this.#done) return;
    this.#done = true;
    this.#clearTimer();
    this.#sockets = [];
    this.#stream = null;
    socket.removeAllListeners('error');
    this.#events.onConnected(socket, result, head);
  }

  #fail(error: SocketError, message: string, cause?: unknown): void {
    if (this.#done) return;
    this.#abortSockets();
    this.#events.onFailed(error, message, cause);
  }

  #abortSockets(): void {
    this.#done = true;
    this.#clearTimer();
    for (const s of this.#sockets) s.destroy();
    this.#sockets = [];
    if (this.#stream !== null && !this.#stream.closed) this.#stream.close(h2.NGHTTP2_CANCEL);
    this.#stream = null;
  }

  #clearTimer(): void {
    if (this.#timer !== null) {
      this.#timerQueue.cancel(this.#timer);
      this.#timer = null;
    }
  }

  /** Cancels the attempt without reporting a failure. */
  abort(): void {
    if (!this.#done) this.#abortSockets();
  }
}
