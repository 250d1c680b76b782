/**
 * The ws face's client handshake over HTTP/2 (RFC 8441), for the `http2: true` option: an
 * extended CONNECT stream on the origin's shared HTTP/2 session — the Qt face's client pieces
 * (transport/http2Client), the connection made by our stream opener with the request's TLS
 * options. ws's events, which are made for HTTP/1.1, mean this on HTTP/2:
 * - 'upgrade' gets an `http.IncomingMessage` carrying the `:status` (200) as `statusCode` and
 *   the response's fields as `headers`/`rawHeaders` (pseudo-headers left out), `httpVersion`
 *   '2.0', `statusMessage` '' (HTTP/2 has no reason phrase), an empty body, and the stream as
 *   `socket`;
 * - 'unexpected-response' (any other `:status`) gets the extended CONNECT's `ClientHttp2Stream`
 *   in place of the ClientRequest and such an IncomingMessage whose body is the stream's data;
 *   as in ws, the WebSocket then waits for close() or terminate();
 * - a 3xx with a Location and followRedirects: the stream is reset and the redirected request
 *   goes over HTTP/1.1 (ws's flow: 'redirect' with its ClientRequest, maxRedirects, credentials
 *   dropped for another host).
 * When the server does not allow extended CONNECT (no SETTINGS_ENABLE_CONNECT_PROTOCOL, or
 * ALPN picks http/1.1), the handshake goes on as ws's over HTTP/1.1 — on the TLS connection
 * already made when ALPN chose http/1.1 — with every event as usual.
 * @module
 */
import type { EventEmitter } from 'node:events';
import { IncomingMessage } from 'node:http';
import { constants as h2, type ClientHttp2Stream, type IncomingHttpHeaders } from 'node:http2';
import type { Socket } from 'node:net';
import type { ConnectionOptions, TLSSocket } from 'node:tls';
import type { UpgradeAnswer, UpgradeOffer } from '../core/clientConnect';
import { buildConnectHeaders } from '../protocol/handshake';
import { http2Route, http2SessionKey, requestWebSocketStream, retriesOnNewRoute, type ConnectAnswer, type OpenedConnection } from '../transport/http2Client';
import { openDirectStream, type StreamProgress, type StreamTarget } from '../transport/stream';
import { acceptedAnswer } from './handshakeRules';

/** What the HTTP/2 handshake needs from the request flow and its WebSocket. */
export interface Http2Host {
  /** The WebSocket: its 'upgrade' and 'unexpected-response' events. */
  readonly emitter: EventEmitter;
  /** Still connecting (not closed from a listener). */
  readonly connecting: boolean;
  /** Cancels the handshake and reports `message` as the error (ws's abortHandshake). */
  abort(message: string): void;
  failed(err: Error): void;
  opened(stream: ClientHttp2Stream, answer: UpgradeAnswer): void;
  /** Go on over HTTP/1.1: on this TLS connection (ALPN chose http/1.1), or on a new one (null). */
  http1(socket: Socket | null): void;
  /**
   * A non-200 answer: true when the request flow follows it as a redirect (after calling `drop`,
   * which ends this stream), false to report it.
   */
  redirected(status: number, location: string | undefined, drop: () => void): boolean;
}

/** What the request says about the connection: where, with which TLS options, headers and offer. */
export interface Http2RequestSpec {
  url: URL;
  /** https.request's TLS options (see {@link tlsOptionsOf}). */
  tls: ConnectionOptions;
  /** The request's own header fields (Origin, Authorization, the user's). */
  headers: ReadonlyArray<readonly [string, string]>;
  offer: UpgradeOffer;
  /** ws's handshakeTimeout (0: none). */
  timeoutMs: number;
}

/** https.request's TLS options that the HTTP/2 connection takes too. */
const TLS_OPTIONS = [
  'ca', 'cert', 'key', 'rejectUnauthorized', 'servername', 'ciphers', 'minVersion', 'maxVersion',
  'pfx', 'passphrase', 'crl', 'ecdhCurve', 'sigalgs', 'secureOptions', 'secureProtocol', 'checkServerIdentity', 'secureContext',
] as const;
/** The first eight are compared by the session key; with any of the others a WebSocket gets a session of its own. */
const UNKEYED_TLS_OPTIONS = TLS_OPTIONS.slice(8);

/** The TLS options among a request's options (see {@link TLS_OPTIONS}). */
export function tlsOptionsOf(options: Readonly<Record<string, unknown>>): ConnectionOptions {
  const tls: Record<string, unknown> = {};
  for (const name of TLS_OPTIONS) if (options[name] !== undefined) tls[name] = options[name];
  return tls as ConnectionOptions;
}

/** One handshake over HTTP/2 (or the start of one that falls back to HTTP/1.1). */
export class Http2Handshake {
  readonly #host: Http2Host;
  readonly #spec: Http2RequestSpec;
  /** Connections being opened, destroyed by an abort until a session owns them. */
  #sockets: Socket[] = [];
  #stream: ClientHttp2Stream | null = null;
  #timer: NodeJS.Timeout | null = null;
  #done = false;

  constructor(host: Http2Host, spec: Http2RequestSpec) {
    this.#host = host;
    this.#spec = spec;
    if (spec.timeoutMs > 0) this.#timer = setTimeout(() => this.#host.abort('Opening handshake has timed out'), spec.timeoutMs);
    this.#run().catch((e: unknown) => {
      if (this.#done) return;
      this.#finish();
      // ws reports the connection's own error (ECONNREFUSED, a TLS failure); ours wraps it
      const cause = (e as Error).cause;
      this.#host.failed(cause instanceof Error ? cause : (e as Error));
    });
  }

  /** Cancels quietly (the request flow reports the error): the connection or stream under way is ended. */
  abort(): void {
    if (this.#done) return;
    this.#finish();
    for (const s of this.#sockets) s.destroy();
    this.#sockets = [];
    if (this.#stream !== null && !this.#stream.closed) this.#stream.close(h2.NGHTTP2_CANCEL);
  }

  #finish(): void {
    this.#done = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  async #run(): Promise<void> {
    const { url, tls } = this.#spec;
    // URL keeps IPv6 literals in brackets
    const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    const secure = url.protocol === 'wss:';
    const port = url.port !== '' ? Number(url.port) : secure ? 443 : 80;
    const shared = UNKEYED_TLS_OPTIONS.every((name) => (tls as Record<string, unknown>)[name] === undefined);
    const key = shared ? http2SessionKey(url, host, port, undefined, tls) : null;
    const { offer, headers } = this.#spec;
    const fields = buildConnectHeaders({ host: url.host, resource: url.pathname + url.search, secure, origin: '', subprotocols: offer.subprotocols, extensions: offer.extensions, headers });
    for (let rerouted = false; ; rerouted = true) {
      const route = await http2Route(key, secure, () => this.#connect({ host, port, secure }));
      if (this.#done) return;
      // from here a session (or the HTTP/1.1 request) owns the connection
      this.#sockets = [];
      if (route.kind === 'http1') {
        this.#finish();
        this.#host.http1(route.socket);
        return;
      }
      let answer: ConnectAnswer;
      try {
        answer = await requestWebSocketStream(route.session, fields, (s) => {
          this.#stream = s;
          if (this.#done) s.close(h2.NGHTTP2_CANCEL);
        });
      } catch (e) {
        if (rerouted || this.#done || !retriesOnNewRoute(route, e)) throw e;
        continue;
      }
      if (!this.#done) this.#answered(answer);
      return;
    }
  }

  /** Opens the connection offering h2 by ALPN; a TLS peer is verified by OpenSSL with the request's options. */
  async #connect(target: StreamTarget): Promise<OpenedConnection> {
    const progress: StreamProgress = {
      onHostLookup: () => {},
      onConnecting: () => {},
      track: (s) => {
        this.#sockets.push(s);
        // errors after the attempt ended must not become uncaught 'error' events
        s.on('error', () => {});
        if (this.#done) s.destroy();
      },
      cancelled: () => this.#done,
    };
    const socket = await openDirectStream(target, { ...this.#spec.tls, ALPNProtocols: ['h2', 'http/1.1'] }, progress);
    return { socket, verified: !target.secure || (socket as TLSSocket).authorized };
  }

  #answered({ stream, fields }: ConnectAnswer): void {
    const status = Number(fields[':status']);
    const res = responseOf(stream, status, fields);
    if (status !== 200) {
      const drop = (): void => {
        this.#finish();
        stream.close(h2.NGHTTP2_CANCEL);
      };
      if (this.#host.redirected(status, fields.location, drop)) return;
      feedBody(stream, res);
      if (!this.#host.emitter.emit('unexpected-response', stream, res)) this.#host.abort(`Unexpected server response: ${status}`);
      return;
    }
    res.complete = true;
    res.push(null);
    this.#host.emitter.emit('upgrade', res);
    // closed from an 'upgrade' listener (the abort reset the stream)
    if (!this.#host.connecting) return;
    this.#finish();
    let agreed: UpgradeAnswer;
    try {
      agreed = acceptedAnswer(200, res.headers, this.#spec.offer);
    } catch (e) {
      stream.close(h2.NGHTTP2_CANCEL);
      this.#host.failed(e as Error);
      return;
    }
    this.#host.opened(stream, agreed);
  }
}

/** An IncomingMessage for an extended CONNECT's answer (see the module comment). */
function responseOf(stream: ClientHttp2Stream, status: number, fields: IncomingHttpHeaders): IncomingMessage {
  const res = new IncomingMessage(stream as unknown as Socket);
  const headers: IncomingHttpHeaders = {};
  const raw: string[] = [];
  for (const [name, value] of Object.entries(fields)) {
    if (name.startsWith(':') || value === undefined) continue;
    headers[name] = value as string & string[];
    for (const v of Array.isArray(value) ? value : [value]) raw.push(name, String(v));
  }
  res.statusCode = status;
  res.statusMessage = '';
  res.httpVersion = '2.0';
  res.httpVersionMajor = 2;
  res.httpVersionMinor = 0;
  res.headers = headers;
  res.rawHeaders = raw;
  return res;
}

/** The stream's data becomes the response's body, with the stream paused while the response is full. */
function feedBody(stream: ClientHttp2Stream, res: IncomingMessage): void {
  stream.on('data', (chunk: Buffer) => {
    // IncomingMessage's reads resume the stream (its `socket`)
    if (!res.push(chunk)) stream.pause();
  });
  stream.once('end', () => {
    res.complete = true;
    res.push(null);
  });
  stream.once('close', () => {
    if (!res.complete) res.destroy();
  });
}
