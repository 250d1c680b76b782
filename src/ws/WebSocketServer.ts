/**
 * ws's WebSocketServer: listens on a port (an http server of its own, as ws), serves on a given
 * http/https server (several on one server, routed by path: core/upgradeRouter) — or an http2
 * server, taking RFC 8441 streams too (ws/handshakeReply) — or takes upgrades handed to
 * handleUpgrade (noServer). The request checks, extension negotiation and
 * 101 response are the core's and the protocol layer's; the order of ws's hooks (shouldHandle,
 * verifyClient, handleProtocols, 'headers') and its errors are this face's.
 * @module
 */
import { EventEmitter } from 'node:events';
import { createServer, STATUS_CODES, type IncomingMessage } from 'node:http';
import { Http2ServerRequest } from 'node:http2';
import { isIP, type AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { routeUpgrades, unrouteUpgrades, type AttachableServer, type UpgradeTarget } from '../core/upgradeRouter';
import { negotiateExtensions } from '../core/upgradeAcceptor';
import type { DeflateSetting } from '../core/request';
import type { PerMessageDeflateOptions } from '../protocol/permessageDeflate';
import { isRefused } from '../protocol/serverHandshake';
import { http1Reply, http2Reply, type HandshakeReply } from './handshakeReply';
import { listenNatively } from './nativePort';
import type { NativeListener } from '../transport/native/NativeListener';
import { TopicHub } from '../core/topicHub';
import type { PubSubBroker } from '../core/broker';
import { Limits } from '../codec/constants';
import { WebSocket } from './WebSocket';
import { attachServerSocket, startServerSocket, topicDelivery } from './serverSocket';
import { publishMessageOf, type PublishOptions, type Sendable } from './data';
import { negotiationRefusal, requestRefusal, type WsRefusal } from './handshakeRules';
import { connectionSettingsOf, deflateSettingOf, type ConnectionSettings, type WsConnectionOptions, type WsPerMessageDeflateOptions } from './options';

/** What verifyClient is given. */
export interface VerifyClientInfo {
  origin: string | undefined;
  secure: boolean;
  req: IncomingMessage;
}

/** ws's server options (doc/ws.md); maxBufferedChunks and maxFragments are accepted and unused (see README). */
export interface ServerOptions<W extends typeof WebSocket = typeof WebSocket> extends WsConnectionOptions {
  host?: string;
  port?: number;
  backlog?: number;
  /**
   * An http/https server to serve on — or an http2 one (`http2.createSecureServer`, with
   * `allowHTTP1` for HTTP/1.1 clients too, or h2c): RFC 8441 streams are taken as well, and the
   * `request` handed to 'connection', verifyClient and handleProtocols is then Node's
   * `Http2ServerRequest` (headers, url, method, socket as IncomingMessage's). Not in ws (http2).
   */
  server?: AttachableServer;
  noServer?: boolean;
  /** Only upgrades to this pathname are taken. */
  path?: string;
  verifyClient?:
    | ((info: VerifyClientInfo) => boolean)
    | ((info: VerifyClientInfo, callback: (result: boolean, code?: number, message?: string, headers?: Record<string, string | number>) => void) => void);
  /** Picks the subprotocol from the client's; false for none. Default: the client's first. */
  handleProtocols?: (protocols: Set<string>, request: IncomingMessage) => string | false;
  /** Keep `clients` (default true). */
  clientTracking?: boolean;
  /** Accept permessage-deflate (default false). */
  perMessageDeflate?: boolean | WsPerMessageDeflateOptions;
  /** The class of the sockets handed out (a subclass of WebSocket). */
  WebSocket?: W;
  maxBufferedChunks?: number;
  maxFragments?: number;
}

/** ws's events of a WebSocketServer and their arguments. */
export interface WebSocketServerEventMap<S = WebSocket> {
  connection: [socket: S, request: IncomingMessage];
  error: [error: Error];
  headers: [headers: string[], request: IncomingMessage];
  listening: [];
  close: [];
  wsClientError: [error: Error, socket: Duplex, request: IncomingMessage];
}

/** Sockets handed to handleUpgrade once (a second call is a misconfiguration, as ws says). */
const upgraded = new WeakSet<Duplex>();

/** The subprotocols of a request that offers none (never handed out: handleProtocols is asked only when there are some). */
const NO_PROTOCOLS: Set<string> = new Set();

const RUNNING = 0;
const CLOSING = 1;
const CLOSED = 2;

/** See the module comment. */
export class WebSocketServer<W extends typeof WebSocket = typeof WebSocket> extends EventEmitter<WebSocketServerEventMap<InstanceType<W>>> {
  /** The options in force (ws exposes them too). */
  readonly options: Readonly<ServerOptions<W>>;
  /** The connected clients (only with clientTracking, the default). */
  declare readonly clients: Set<InstanceType<W>>;
  #state = RUNNING;
  #http: AttachableServer | null = null;
  /** Its own port's listener, when the native transport serves it (else #http is its own). */
  #native: NativeListener | null = null;
  #ownsHttp = false;
  #removeListeners: (() => void) | null = null;
  #emitCloseWhenEmpty = false;
  readonly #deflate: PerMessageDeflateOptions | null;
  readonly #settings: ConnectionSettings;
  readonly #class: W;
  readonly #route: UpgradeTarget;
  readonly #topics = new TopicHub<WebSocket>(topicDelivery, () => Limits.DEFAULT_OUTGOING_FRAME_SIZE);

  /**
   * @param callback with `port`: called when listening
   * @throws TypeError unless exactly one of port, server and noServer is given
   */
  constructor(options: ServerOptions<W>, callback?: () => void) {
    super();
    const o: ServerOptions<W> = { clientTracking: true, ...options };
    const count = Number(o.port !== undefined && o.port !== null) + Number(Boolean(o.server)) + Number(Boolean(o.noServer));
    if (count !== 1) throw new TypeError('One and only one of the "port", "server", or "noServer" options must be specified');
    this.options = o;
    this.#deflate = deflateSettingOf(o.perMessageDeflate);
    this.#settings = connectionSettingsOf(o);
    this.#class = (o.WebSocket ?? WebSocket) as W;
    if (o.clientTracking) (this as { clients: Set<InstanceType<W>> }).clients = new Set();
    const emitConnection = (ws: InstanceType<W>, req: IncomingMessage): void => {
      this.emit('connection', ...([ws, req] as WebSocketServerEventMap<InstanceType<W>>['connection']));
    };
    this.#route = {
      handleUpgrade: (req, socket, head) => this.handleUpgrade(req, socket, head, emitConnection),
      // ws's hooks take an IncomingMessage: Node's Http2ServerRequest has the members they use
      handleStream: (stream, headers, raw) => this.#handshake(new Http2ServerRequest(stream, headers, {}, [...(raw ?? [])]) as unknown as IncomingMessage, http2Reply(stream, headers), emitConnection),
    };
    const ownPort = o.port !== undefined && o.port !== null;
    if (ownPort && !this.#listenNatively(o, emitConnection, callback)) {
      const http = createServer((_req, res) => {
        const body = STATUS_CODES[426] as string;
        res.writeHead(426, { 'Content-Length': body.length, 'Content-Type': 'text/plain' });
        res.end(body);
      });
      this.#http = http;
      this.#ownsHttp = true;
      http.listen(o.port, o.host, o.backlog, callback);
    } else if (o.server) {
      this.#http = o.server;
    }
    const http = this.#http;
    if (http !== null) {
      const onListening = (): boolean => this.emit('listening');
      const onError = (err: Error): boolean => this.emit('error', err);
      http.on('listening', onListening);
      http.on('error', onError);
      // its own http server serves no other: every path reaches handleUpgrade (400 from shouldHandle, as ws)
      routeUpgrades(http, this.#ownsHttp ? undefined : o.path, this.#route);
      this.#removeListeners = () => {
        http.off('listening', onListening);
        http.off('error', onError);
        unrouteUpgrades(http, this.#route);
      };
    }
  }

  /**
   * Its own port on the native listener, where the transport serves it: an IP address or every
   * address, no backlog of its own (the native one is Node's default, 511), not in a
   * cluster worker (Node shares a worker's port through the primary). @returns false otherwise
   */
  #listenNatively(o: ServerOptions<W>, emitConnection: (ws: InstanceType<W>, req: IncomingMessage) => void, callback: (() => void) | undefined): boolean {
    if (o.backlog !== undefined || (o.host !== undefined && isIP(o.host) === 0)) return false;
    // a bad port gets net.Server's error (ERR_SOCKET_BAD_PORT), as in ws
    const port = Number(o.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) return false;
    const listener = listenNatively(o.host ?? '', port, {
      upgrade: (req, reply) => this.#handshake(req, reply, emitConnection, requestRefusal(req)),
      error: (err) => this.emit('error', err),
    });
    if (listener === null) return false;
    // as an http server's: 'listening' (and the callback) or 'error' come on a later tick
    if (listener instanceof Error) {
      process.nextTick(() => this.emit('error', listener));
      return true;
    }
    this.#native = listener;
    if (callback) this.once('listening', callback);
    process.nextTick(() => this.emit('listening'));
    return true;
  }

  /**
   * Where the server listens (as net.Server.address()); null when it does not.
   * @throws Error in noServer mode
   */
  address(): AddressInfo | string | null {
    if (this.options.noServer) throw new Error('The server is operating in "noServer" mode');
    return this.#native?.address() ?? this.#http?.address() ?? null;
  }

  /**
   * Stops taking connections (and closes the http server it created; open connections stay).
   * 'close' follows once it is closed (and, with client tracking, its clients are gone).
   * @param cb called on 'close'; with an Error when the server was closed already
   */
  close(cb?: (err?: Error) => void): void {
    if (this.#state === CLOSED) {
      if (cb) this.once('close', () => cb(new Error('The server is not running')));
      process.nextTick(() => this.#emitClose());
      return;
    }
    if (cb) this.once('close', cb);
    if (this.#state === CLOSING) return;
    this.#state = CLOSING;
    const http = this.#http;
    this.#removeListeners?.();
    this.#removeListeners = null;
    this.#http = null;
    const native = this.#native;
    this.#native = null;
    native?.close();
    if (this.#ownsHttp && http !== null) {
      http.close(() => this.#emitClose());
    } else if (this.clients !== undefined && this.clients.size > 0) {
      this.#emitCloseWhenEmpty = true;
    } else {
      process.nextTick(() => this.#emitClose());
    }
  }

  #emitClose(): void {
    this.#state = CLOSED;
    this.emit('close');
  }

  /** Whether this server takes `req` (by default: its pathname equals the `path` option, if set). */
  shouldHandle(req: IncomingMessage): boolean {
    const path = this.options.path;
    if (!path) return true;
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    return (q >= 0 ? url.slice(0, q) : url) === path;
  }

  /**
   * Handles an upgrade request: on success `cb(websocket, request)`; otherwise the socket is
   * answered with an error status (or handed to 'wsClientError' listeners for a bad request).
   */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, cb: (ws: InstanceType<W>, request: IncomingMessage) => void): void {
    if (upgraded.has(socket)) throw new Error('server.handleUpgrade() was called more than once with the same socket, possibly due to a misconfiguration');
    upgraded.add(socket);
    this.#handshake(req, http1Reply(req, socket, head), cb, requestRefusal(req));
  }

  /** @param early ws's refusal of an HTTP/1.1 request line or upgrade headers, checked first (or null) */
  #handshake(req: IncomingMessage, reply: HandshakeReply, cb: (ws: InstanceType<W>, request: IncomingMessage) => void, early: WsRefusal | null = null): void {
    if (early !== null) {
      this.#clientError(req, reply, early.status, early.message, early.headers);
      return;
    }
    const check = reply.check;
    if (isRefused(check)) {
      this.#clientError(req, reply, check.status, check.message, Object.fromEntries(check.headers));
      return;
    }
    if (!this.shouldHandle(req)) {
      reply.refuse(400);
      return;
    }
    const late = negotiationRefusal(req, this.#deflate !== null);
    if (late !== null) {
      this.#clientError(req, reply, late.status, late.message);
      return;
    }
    const ext = check.extensions === '' ? null : negotiateExtensions(check.extensions, this.#deflate);
    if (ext === 'malformed') {
      this.#clientError(req, reply, 400, 'Invalid or unacceptable Sec-WebSocket-Extensions header');
      return;
    }
    // (no Set per connection for the usual request without subprotocols: handleProtocols sees only non-empty ones)
    const protocols = check.protocols.length > 0 ? new Set(check.protocols) : NO_PROTOCOLS;
    const complete = (): void => this.#complete(req, reply, protocols, ext, cb);
    const verify = this.options.verifyClient;
    if (verify === undefined) {
      complete();
      return;
    }
    const info: VerifyClientInfo = {
      origin: (req.headers[req.headers['sec-websocket-version'] === '8' ? 'sec-websocket-origin' : 'origin'] as string | undefined),
      secure: Boolean((req.socket as { authorized?: boolean; encrypted?: boolean }).authorized || (req.socket as { encrypted?: boolean }).encrypted),
      req,
    };
    if (verify.length === 2) {
      verify(info, (verified, code, message, headers) => {
        if (!verified) reply.refuse(code || 401, message, headers);
        else complete();
      });
      return;
    }
    if (!(verify as (info: VerifyClientInfo) => boolean)(info)) reply.refuse(401);
    else complete();
  }

  #clientError(req: IncomingMessage, reply: HandshakeReply, code: number, message: string, headers?: Record<string, string>): void {
    if (this.listenerCount('wsClientError') > 0) {
      this.emit('wsClientError', new Error(message), reply.socket, req);
      return;
    }
    reply.refuse(code, message, headers);
  }

  #complete(
    req: IncomingMessage,
    reply: HandshakeReply,
    protocols: Set<string>,
    ext: { response: string; agreement: DeflateSetting } | null,
    cb: (ws: InstanceType<W>, request: IncomingMessage) => void,
  ): void {
    // the client already sent its FIN, or the socket was destroyed meanwhile (async verifyClient)
    if (!reply.open) {
      reply.destroy();
      return;
    }
    if (this.#state !== RUNNING) {
      reply.refuse(503);
      return;
    }
    let protocol = '';
    if (protocols.size > 0) {
      const chosen = this.options.handleProtocols ? this.options.handleProtocols(protocols, req) : (protocols.values().next().value as string);
      if (chosen) protocol = String(chosen);
    }
    const lines = reply.acceptLines(protocol, ext?.response ?? '');
    // listeners may inspect and change the lines (engine.io adds its cookie here)
    this.emit('headers', lines, req);
    const ws = new this.#class(null, undefined, this.options) as InstanceType<W>;
    reply.accept(lines);
    const clients = this.clients;
    attachServerSocket(ws, reply.transport, {
      protocol,
      extensions: ext !== null ? 'permessage-deflate' : '',
      deflate: ext?.agreement ?? null,
      settings: this.#settings,
      onClose: clients === undefined ? null : this.#forgetClient,
      topics: this.#topics,
    });
    clients?.add(ws);
    cb(ws, req);
    startServerSocket(ws, reply.head);
  }

  // ---- topics (an addition to ws: see core/topics) ---------------------------------------

  /**
   * Publishes a message (data and `binary`/`compress` as send's) to every socket of this server
   * subscribed to the topic, framed once (and compressed once per zlib setting for peers without
   * context takeover); with a broker, also to the subscribers on every other server. Not in ws.
   * @param options also `local: true`: this server only, not through the broker
   * @returns the number of local subscribers it was queued on
   * @throws InvalidArgumentError for a bad topic or message, or one larger than the broker takes
   */
  publish(topic: string, data: Sendable, options?: PublishOptions & { local?: boolean }): number {
    return this.#topics.publishMessage(topic, publishMessageOf(data, options), options, null);
  }

  /**
   * Carries this server's topics to other processes and machines (e.g. `new RedisBroker(…)` from
   * `qwebsocket/redis`); null goes back to this server alone. Not in ws.
   * @throws InvalidArgumentError for an object that is not a broker
   */
  setPubSubBroker(broker: PubSubBroker | null): void {
    this.#topics.setBroker(broker);
  }

  /** One callback for every socket of this server (not a closure per connection). */
  readonly #forgetClient = (ws: WebSocket): void => this.#forget(ws as InstanceType<W>);

  #forget(ws: InstanceType<W>): void {
    this.clients.delete(ws);
    if (this.#emitCloseWhenEmpty && this.clients.size === 0) process.nextTick(() => this.#emitClose());
  }
}
