/**
 * The ws face's client handshake, as ws makes it: one Node http(s) request (so agent,
 * createConnection, TLS options, socketPath and every other http.request option work as in ws),
 * with its events ('upgrade', 'unexpected-response', 'redirect'), redirects and the handshake
 * timeout. The offer and the check of the 101 answer are the core's (core/clientConnect). With
 * the `http2` option the handshake is ws/http2Request's, which may hand back to this one.
 * @module
 */
import type { EventEmitter } from 'node:events';
import { request as httpRequest, validateHeaderName, validateHeaderValue, type ClientRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest, type RequestOptions as HttpsRequestOptions } from 'node:https';
import type { Http2Stream } from 'node:http2';
import type { Socket } from 'node:net';
import { acceptedAnswer } from './handshakeRules';
import { upgradeOffer, type UpgradeAnswer, type UpgradeOffer } from '../core/clientConnect';
import { Http2Handshake, tlsOptionsOf } from './http2Request';
import { deflateSettingOf, type WsConnectionOptions, type WsPerMessageDeflateOptions } from './options';

/** ws's client options: its own, plus any option of http.request / https.request. */
export interface ClientOptions extends WsConnectionOptions, Omit<HttpsRequestOptions, 'timeout'> {
  /** Called with each request (the first and every redirect's) instead of request.end(). */
  finishRequest?: (request: ClientRequest, websocket: EventEmitter) => void;
  /** Follow 3xx redirects (default false; with http2, the redirected request goes over HTTP/1.1). */
  followRedirects?: boolean;
  /**
   * Open the WebSocket as an extended CONNECT stream (RFC 8441) on the origin's shared HTTP/2
   * session, falling back to HTTP/1.1 when the server does not allow it (default false). For
   * ws:// and wss:// with protocolVersion 13 and no agent, createConnection or finishRequest
   * (those go over HTTP/1.1). The TLS options (ca, cert, key, rejectUnauthorized, servername, …)
   * apply, http.request's socket options (family, lookup, localAddress, …) do not; a session is
   * shared by WebSockets with the same TLS options whose server verified. What ws's
   * events mean over HTTP/2: see README "HTTP/2". Not in ws.
   */
  http2?: boolean;
  /** Fills the 4-byte masking key of each frame (default: crypto-random keys). */
  generateMask?: (mask: Buffer) => void;
  /** Milliseconds the opening handshake may take. */
  handshakeTimeout?: number;
  /** Redirects followed at most (default 10). */
  maxRedirects?: number;
  /** The Origin header (Sec-WebSocket-Origin with protocolVersion 8). */
  origin?: string;
  /** Offer permessage-deflate (default true, as ws). */
  perMessageDeflate?: boolean | WsPerMessageDeflateOptions;
  /** Sec-WebSocket-Version: 13 (default) or 8. */
  protocolVersion?: number;
}

/** What the request needs from its WebSocket. */
export interface ClientHost {
  /** The WebSocket: its 'upgrade', 'unexpected-response' and 'redirect' events. */
  readonly emitter: EventEmitter;
  /** Still connecting (not closed from a listener). */
  readonly connecting: boolean;
  setUrl(url: string): void;
  /** The handshake failed: 'error' then 'close' (called on a later tick). */
  failed(err: Error): void;
  /** The handshake succeeded: start the connection (on the TCP/TLS socket, or the HTTP/2 stream). */
  opened(socket: Socket | Http2Stream, head: Buffer, answer: UpgradeAnswer): void;
}

const PROTOCOL_VERSIONS = [8, 13];
/** Subprotocol names are HTTP tokens (RFC 6455 §4.1). */
const TOKEN = /^[!#$%&'*+\-.^_`|~\dA-Za-z]+$/;

/** One client handshake (and the redirects it follows). */
export class ClientRequestFlow {
  readonly #host: ClientHost;
  readonly #protocols: string[];
  #options: ClientOptions;
  #request: ClientRequest | null = null;
  /** The handshake over HTTP/2 while it is under way. */
  #http2: Http2Handshake | null = null;
  #redirects = 0;
  /** The first request's host (or socket path): redirects elsewhere drop credentials. */
  #origin: { ipc: boolean; secure: boolean; host: string } | null = null;

  /**
   * Validates the arguments and sends the request.
   * @throws RangeError for an unsupported protocolVersion; SyntaxError for a bad URL or subprotocol
   */
  constructor(host: ClientHost, address: string | URL, protocols: string[], options: ClientOptions) {
    this.#host = host;
    this.#protocols = protocols;
    this.#options = options;
    const version = options.protocolVersion ?? 13;
    if (!PROTOCOL_VERSIONS.includes(version)) throw new RangeError(`Unsupported protocol version: ${version} (supported versions: ${PROTOCOL_VERSIONS.join(', ')})`);
    const seen = new Set<string>();
    for (const p of protocols) {
      if (typeof p !== 'string' || !TOKEN.test(p) || seen.has(p)) throw new SyntaxError('An invalid or duplicated subprotocol was specified');
      seen.add(p);
    }
    if (options.http2 === true && this.#http2Applies()) this.#sendHttp2(address);
    else this.#send(address);
  }

  /** Cancels the handshake; the host reports `message` as the error. */
  abort(message: string): void {
    const req = this.#request;
    this.#request = null;
    this.#http2?.abort();
    this.#http2 = null;
    if (req !== null) {
      req.destroy();
      req.socket?.destroy();
    }
    const err = new Error(message);
    process.nextTick(() => this.#host.failed(err));
  }

  #url(address: string | URL): URL {
    let url: URL;
    if (address instanceof URL) url = new URL(address.href);
    else {
      try {
        url = new URL(String(address));
      } catch {
        throw new SyntaxError(`Invalid URL: ${String(address)}`);
      }
    }
    if (url.protocol === 'http:') url.protocol = 'ws:';
    else if (url.protocol === 'https:') url.protocol = 'wss:';
    let bad: string | null = null;
    if (url.protocol !== 'ws:' && url.protocol !== 'wss:' && url.protocol !== 'ws+unix:') bad = 'The URL\'s protocol must be one of "ws:", "wss:", "http:", "https:", or "ws+unix:"';
    else if (url.protocol === 'ws+unix:' && url.pathname === '') bad = "The URL's pathname is empty";
    else if (url.hash !== '') bad = 'The URL contains a fragment identifier';
    if (bad !== null) throw new SyntaxError(bad);
    return url;
  }

  /** HTTP/2 is for options that do not decide the connection themselves (see {@link ClientOptions.http2}). */
  #http2Applies(): boolean {
    const o = this.#options;
    return (o.agent === undefined || o.agent === null || o.agent === false) && o.createConnection === undefined && o.finishRequest === undefined && (o.protocolVersion ?? 13) === 13;
  }

  /** Starts the handshake over HTTP/2 (ws/http2Request), which may hand over to HTTP/1.1. */
  #sendHttp2(address: string | URL): void {
    const o = this.#options;
    const url = this.#url(address);
    if (url.protocol === 'ws+unix:') {
      this.#send(address);
      return;
    }
    this.#host.setUrl(url.href);
    this.#origin = { ipc: false, secure: url.protocol === 'wss:', host: url.host };
    const headers: Array<readonly [string, string]> = [];
    for (const [k, v] of Object.entries(o.headers ?? {})) {
      if (v === undefined) continue;
      // the errors http.request throws for them, at once as in ws
      validateHeaderName(k);
      for (const one of Array.isArray(v) ? v : [v]) {
        validateHeaderValue(k, String(one));
        headers.push([k, String(one)]);
      }
    }
    if (o.origin) headers.push(['Origin', o.origin]);
    const auth = url.username !== '' || url.password !== '' ? `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}` : o.auth;
    if (auth !== undefined && auth !== null && !headers.some(([k]) => k.toLowerCase() === 'authorization')) headers.push(['Authorization', `Basic ${Buffer.from(auth).toString('base64')}`]);
    const offer = upgradeOffer(this.#protocols, deflateSettingOf(o.perMessageDeflate ?? true));
    const host = this.#host;
    this.#http2 = new Http2Handshake({
      emitter: host.emitter,
      get connecting(): boolean {
        return host.connecting;
      },
      abort: (message) => this.abort(message),
      failed: (err) => {
        this.#http2 = null;
        host.failed(err);
      },
      opened: (stream, answer) => {
        this.#http2 = null;
        host.opened(stream, Buffer.alloc(0), answer);
      },
      http1: (socket) => {
        this.#http2 = null;
        this.#send(url, socket);
      },
      redirected: (status, location, drop) => {
        if (!this.#follows(status, location)) return false;
        this.#http2 = null;
        return this.#followRedirect(status, location, url, drop);
      },
    }, { url, tls: tlsOptionsOf(o as Record<string, unknown>), headers, offer, timeoutMs: typeof o.handshakeTimeout === 'number' ? o.handshakeTimeout : 0 });
  }

  /**
   * Sends the HTTP/1.1 upgrade request.
   * @param socket the TLS connection to send it on (an HTTP/2 attempt's, ALPN chose http/1.1)
   */
  #send(address: string | URL, socket: Socket | null = null): void {
    const o = this.#options;
    const url = this.#url(address);
    this.#host.setUrl(url.href);
    const secure = url.protocol === 'wss:';
    const ipc = url.protocol === 'ws+unix:';
    const offer = upgradeOffer(this.#protocols, deflateSettingOf(o.perMessageDeflate ?? true));
    const headers: Record<string, string | string[] | number> = {};
    for (const [k, v] of Object.entries(o.headers ?? {})) if (v !== undefined) headers[this.#redirects > 0 ? k.toLowerCase() : k] = v;
    const version = o.protocolVersion ?? 13;
    Object.assign(headers, { 'Sec-WebSocket-Version': version, 'Sec-WebSocket-Key': offer.key, Connection: 'Upgrade', Upgrade: 'websocket' });
    if (offer.extensions !== '') headers['Sec-WebSocket-Extensions'] = offer.extensions;
    if (this.#protocols.length > 0) headers['Sec-WebSocket-Protocol'] = this.#protocols.join(',');
    if (o.origin) headers[version < 13 ? 'Sec-WebSocket-Origin' : 'Origin'] = o.origin;
    const opts: RequestOptions & HttpsRequestOptions = { ...o, headers, method: 'GET', timeout: undefined, protocol: undefined, hostname: undefined, host: undefined, port: undefined, path: undefined, socketPath: undefined };
    if (socket !== null) Object.assign(opts, { agent: undefined, createConnection: () => socket });
    let path = url.pathname + url.search;
    if (ipc) {
      const [socketPath, rest] = path.split(':');
      opts.socketPath = socketPath;
      path = rest ?? '/';
    } else {
      opts.host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
      opts.port = url.port !== '' ? url.port : secure ? 443 : 80;
      opts.defaultPort = opts.defaultPort ?? (secure ? 443 : 80);
      if (secure && opts.servername === undefined && !/^[\d.]+$|:/.test(opts.host)) opts.servername = opts.host;
    }
    opts.path = path;
    if (url.username !== '' || url.password !== '') opts.auth = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
    this.#dropCredentialsOnRedirect(opts, headers, ipc, secure, ipc ? (opts.socketPath as string) : url.host);
    const req = (secure ? httpsRequest : httpRequest)(opts);
    this.#request = req;
    if (this.#redirects > 0) this.#host.emitter.emit('redirect', url.href, req);
    this.#listen(req, url, offer);
    if (typeof o.finishRequest === 'function') o.finishRequest(req, this.#host.emitter);
    else req.end();
  }

  /** ws (as curl): a redirect to another host, or from wss to ws, drops credentials unless 'redirect' is listened to. */
  #dropCredentialsOnRedirect(opts: RequestOptions, headers: Record<string, unknown>, ipc: boolean, secure: boolean, host: string): void {
    if (this.#redirects === 0) {
      this.#origin = { ipc, secure, host };
      return;
    }
    const first = this.#origin as { ipc: boolean; secure: boolean; host: string };
    if (this.#host.emitter.listenerCount('redirect') > 0) return;
    const sameHost = ipc === first.ipc && host === first.host;
    if (!sameHost || (first.secure && !secure)) {
      delete headers.authorization;
      delete headers.cookie;
      if (!sameHost) delete headers.host;
      opts.auth = undefined;
    }
  }

  /** A 3xx answer with a Location, and followRedirects on. */
  #follows(status: number, location: string | undefined): location is string {
    return location !== undefined && this.#options.followRedirects === true && status >= 300 && status < 400;
  }

  /**
   * Follows a 3xx answer with a Location when followRedirects is on (the next request goes over
   * HTTP/1.1, also after an HTTP/2 answer).
   * @param drop ends the request (or stream) that was answered
   * @returns false when the answer is not a redirect to follow
   */
  #followRedirect(status: number, location: string | undefined, base: URL, drop: () => void): boolean {
    if (!this.#follows(status, location)) return false;
    this.#request = null;
    drop();
    if (++this.#redirects > (this.#options.maxRedirects ?? 10)) {
      this.abort('Maximum redirects exceeded');
      return true;
    }
    let next: URL;
    try {
      next = new URL(location, base);
    } catch {
      this.#host.failed(new SyntaxError(`Invalid URL: ${location}`));
      return true;
    }
    try {
      this.#send(next);
    } catch (e) {
      this.#host.failed(e as Error);
    }
    return true;
  }

  #listen(req: ClientRequest, url: URL, offer: UpgradeOffer): void {
    const o = this.#options;
    if (typeof o.handshakeTimeout === 'number' && o.handshakeTimeout > 0) {
      req.setTimeout(o.handshakeTimeout, () => {
        if (this.#request === req) this.abort('Opening handshake has timed out');
      });
    }
    req.on('error', (err) => {
      if (this.#request !== req) return;
      this.#request = null;
      this.#host.failed(err);
    });
    req.on('response', (res: IncomingMessage) => {
      if (this.#request !== req) return;
      const status = res.statusCode ?? 0;
      if (this.#followRedirect(status, res.headers.location, url, () => req.destroy())) return;
      if (!this.#host.emitter.emit('unexpected-response', req, res)) this.abort(`Unexpected server response: ${status}`);
    });
    req.on('upgrade', (res: IncomingMessage, socket: Socket, head: Buffer) => {
      if (this.#request !== req) return;
      this.#host.emitter.emit('upgrade', res);
      // closed from an 'upgrade' listener
      if (!this.#host.connecting) return;
      this.#request = null;
      let answer: UpgradeAnswer;
      try {
        answer = acceptedAnswer(101, res.headers, offer);
      } catch (e) {
        socket.destroy();
        this.#host.failed(e as Error);
        return;
      }
      this.#host.opened(socket, head, answer);
    });
  }
}
