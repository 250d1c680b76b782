/**
 * QWebSocketServer for Node.js: listens (or attaches to an existing http/https server, or takes
 * upgrades from a framework) and hands out connected {@link WebSocket}s, with Qt's names and
 * semantics: newConnection + nextPendingConnection, a bounded pending queue, pause/resume
 * accepting, handshake timeout, origin authentication, subprotocol negotiation.
 * @module
 */
import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { CloseCode, Opcode, Timeouts, Version } from '../codec/constants';
import { SocketError, SslMode } from '../protocol/enums';
import { decideUpgrade, handleUpgrade, type AcceptedRequest, type UpgradeOwner } from '../transport/upgrade';
import { AcceptedNative, type NativeListenerOwner } from '../transport/native/NativeListener';
import type { TransportSocket } from '../transport/openConnection';
import { handleExtendedConnect } from '../transport/http2Upgrade';
import { socketErrorOf } from '../transport/socketErrors';
import { InvalidArgumentError } from '../errors';
import { routeUpgrades, unrouteUpgrades, type AttachableServer } from '../core/upgradeRouter';
import { UpgradeAcceptor, negotiateExtensions } from '../core/upgradeAcceptor';
import { WebSocket, type BufferPolicy } from './WebSocket';

export type { AttachOptions, WebSocketServerSignals } from './types';
import { serverSocketsOf } from './serverSockets';
import { ServerLink } from './serverLink';
import { ServerListener } from './serverListener';
import { ServerTls } from './serverTls';
import { PendingConnections } from './pendingConnections';
import { Heartbeat } from './heartbeat';
import { DEFAULT_SETTINGS } from '../core/endpointSettings';
import type { DeflateSetting } from '../core/request';
import { TopicHub, type PublishOptions } from '../core/topicHub';
import { ConnectionSet } from '../core/connectionSet';
import { frameMessage, publishMessageOf } from '../core/topics';
import type { PubSubBroker } from '../core/broker';
import { validateDeflateOptions, type PerMessageDeflateOptions } from '../protocol/permessageDeflate';
import { deflateSupported } from '../transport/deflate';
import { CorsAuthenticator } from './CorsAuthenticator';
import type { AttachOptions, WebSocketServerSignals } from './types';
import type { SslConfiguration } from '../transport/sslConfiguration';

/** Swallows socket errors while nothing else listens (they surface as close events). */
function ignoreError(): void {}

/** What this server may do to its sockets (WebSocket grants it; see qt/serverSockets). */
const socketAccess = serverSocketsOf(WebSocket);

/**
 * A WebSocket server, as Qt's QWebSocketServer. Signals: see {@link WebSocketServerSignals}.
 * Like the client, it never emits 'error'.
 */
export class WebSocketServer extends EventEmitter<WebSocketServerSignals> {
  #serverName: string;
  #secureMode: SslMode;
  readonly #listener = new ServerListener({
    connection: (socket) => this.handleConnection(socket),
    acceptError: (err) => this.emit('acceptError', socketErrorOf(err)),
  });
  #error = SocketError.UnknownSocketError;
  #errorString = '';
  readonly #pending = new PendingConnections<WebSocket>();
  #handshakeTimeoutMs: number = Timeouts.HANDSHAKE_MS;
  readonly #acceptor = new UpgradeAcceptor(
    {
      onUpgrade: (req, socket, head) => this.handleUpgrade(req, socket, head),
      onBadRequest: () => this.emit('serverError', CloseCode.CloseCodeProtocolError),
    },
    Timeouts.HANDSHAKE_MS,
  );
  #subprotocols: string[] = [];
  /** Limits and caps each accepted connection starts with (checked as a WebSocket's are; a value, shared with them). */
  #settings = DEFAULT_SETTINGS;
  #connections = new ConnectionSet<WebSocket>((ws) => socketAccess.topicDelivery.nativeId?.(ws) ?? -1);
  readonly #heartbeat = new Heartbeat(this.#connections);
  readonly #tls = new ServerTls(this, (secure, raw) => {
    if (raw !== null) this.#acceptor.retrack(raw, secure);
    else this.#acceptor.track(secure);
    secure.on('error', ignoreError);
    this.#acceptor.parse(secure);
  });
  #attached: AttachableServer[] = [];
  readonly #topics = new TopicHub<WebSocket>(socketAccess.topicDelivery, () => this.#settings.outgoingFrameSize);

  /**
   * @param serverName sent as the Server header of handshake responses
   * @param secureMode NonSecureMode (ws://) or SecureMode (wss://)
   * @throws TypeError for an options object (ws's `new WebSocketServer({ port })`): listen() is
   * how this class starts serving; `qwebsocket/ws` has ws's constructor
   */
  constructor(serverName = '', secureMode: SslMode = SslMode.NonSecureMode) {
    super();
    if (typeof serverName === 'object' && serverName !== null) {
      throw new TypeError(
        "new WebSocketServer({ ... }) is ws's constructor; this is Qt's QWebSocketServer(serverName, secureMode). " +
          "Call listen(address, port) or attach(httpServer) to serve, or use require('qwebsocket/ws') for the ws-style server.",
      );
    }
    this.#serverName = String(serverName);
    this.#secureMode = secureMode;
  }

  // ---- listening ---------------------------------------------------------------------------

  /**
   * Listens on address:port (default: every address, a free port).
   * @returns true on success; false with error()/errorString() set otherwise
   */
  async listen(address = '', port = 0): Promise<boolean> {
    if (this.#listener.started) {
      this.#setError(SocketError.UnsupportedSocketOperationError, 'Server is already listening');
      return false;
    }
    if (this.#secureMode === SslMode.SecureMode && !this.#tls.hasCredentials) {
      this.#setError(SocketError.SslInvalidUserDataError, 'SecureMode needs an SslConfiguration with a local certificate and private key');
      return false;
    }
    // the native transport speaks no TLS: SecureMode listens on a net.Server
    const native = this.#secureMode === SslMode.NonSecureMode ? { handshakeMs: this.#handshakeTimeoutMs, owner: this.#nativeOwner } : null;
    return this.#listened(await this.#listener.listen(address, port, native));
  }

  /** Listens on an already-open listening socket descriptor (Qt's setSocketDescriptor). */
  async setSocketDescriptor(fd: number): Promise<boolean> {
    if (!Number.isInteger(fd) || fd < 0) throw new InvalidArgumentError('socket descriptor must be a non-negative integer');
    return this.#listened(await this.#listener.listenOn(fd));
  }

  #listened(err: Error | null): boolean {
    if (err !== null) this.#setError(socketErrorOf(err), err.message);
    return err === null;
  }

  /** The listening descriptor, or -1. */
  socketDescriptor(): number {
    return this.#listener.descriptor();
  }

  /** Takes over an already-accepted TCP socket: its upgrade request is read and handled here. */
  handleConnection(socket: Socket): void {
    socket.on('error', ignoreError);
    this.#acceptor.track(socket);
    if (this.#secureMode !== SslMode.SecureMode) {
      this.#acceptor.parse(socket);
      return;
    }
    // SecureMode: TLS first (under the same handshake timeout), then the HTTP upgrade
    const bad = this.#tls.accept(socket);
    if (bad !== null) {
      this.#setError(bad.socketError, bad.message);
      this.emit('acceptError', bad.socketError);
    }
  }

  /**
   * Serves on an existing http/https/http2 server: upgrades to `options.path` (or any path)
   * become WebSocket connections of this server; other requests are left alone. Several servers
   * can attach to one http server with different paths; an upgrade no one serves gets 404. On an
   * `http2.createSecureServer` (with `allowHTTP1: true` for HTTP/1.1 clients too) or an h2c
   * `http2.createServer`, extended CONNECT streams (RFC 8441, WebSockets over HTTP/2) are taken
   * as well, with the same checks, negotiation, limits and signals; attaching turns the server's
   * `enableConnectProtocol` setting on. Not in Qt (Qt has no attach).
   */
  attach(server: AttachableServer, options: AttachOptions = {}): this {
    routeUpgrades(server, options.path, this);
    this.#attached.push(server);
    return this;
  }

  /**
   * Handles one upgrade request (for frameworks that own the http server).
   * @param callback called with the new WebSocket, which is then the caller's: it is not queued,
   * does not count against maxPendingConnections() and emits no newConnection. Without a
   * callback the connection is queued as Qt's are.
   */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, callback?: (ws: WebSocket) => void): void {
    this.#acceptor.untrack(socket);
    if (callback !== undefined) this.#upgradeCallback = callback;
    try {
      handleUpgrade(req, socket, head, this.#owner);
    } finally {
      this.#upgradeCallback = null;
    }
  }
  #upgradeCallback: ((ws: WebSocket) => void) | null = null;

  /**
   * Handles one HTTP/2 extended CONNECT stream (RFC 8441) with `:protocol` websocket, for
   * frameworks that own the http2 server; `callback` as for {@link handleUpgrade}. A refused
   * stream is answered with its status (400, 403, …) and ended. Not in Qt.
   * @param rawHeaders the 'stream' event's raw header list, if any
   */
  handleStream(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, rawHeaders?: readonly string[], callback?: (ws: WebSocket) => void): void {
    if (callback !== undefined) this.#upgradeCallback = callback;
    try {
      handleExtendedConnect(stream, headers, rawHeaders, this.#owner);
    } finally {
      this.#upgradeCallback = null;
    }
  }

  // ---- the native listener's owner --------------------------------------------------------

  readonly #nativeOwner: NativeListenerOwner = {
    onRequest: (listener, id, head, rest) => {
      const d = decideUpgrade(head, this.#owner);
      if (d.refused) {
        listener.refuse(id, d.status, d.message, d.headers, this.#serverName);
        return;
      }
      listener.write(id, d.response);
      this.#accepted(new AcceptedNative(id), rest, head, d.origin, d.subprotocol, d.extensions as DeflateSetting | null);
    },
    onBadRequest: () => this.emit('serverError', CloseCode.CloseCodeProtocolError),
    onAcceptError: (err) => this.emit('acceptError', socketErrorOf(err)),
  };

  // ---- the upgrade owner (transport/upgrade calls back here) -------------------------------

  readonly #owner: UpgradeOwner = ((server: WebSocketServer): UpgradeOwner => ({
    get serverHeader(): string {
      return server.#serverName;
    },
    get subprotocols(): readonly string[] {
      return server.#subprotocols;
    },
    authorizeOrigin: (origin) => server.#authorizeOrigin(origin),
    negotiateExtensions: (offer) => negotiateExtensions(offer, server.#deflate),
    accepted: (socket, head, request, origin, subprotocol, ext) => server.#accepted(socket, head, request, origin, subprotocol, ext as DeflateSetting | null),
    refused: () => server.emit('serverError', CloseCode.CloseCodeProtocolError),
  }))(this);

  #authorizeOrigin(origin: string): boolean {
    if (this.listenerCount('originAuthenticationRequired') === 0) return true;
    const auth = new CorsAuthenticator(origin);
    this.emit('originAuthenticationRequired', auth);
    return auth.allowed();
  }
  /**
   * Accepts permessage-deflate (RFC 7692) from clients that offer it: `true` for the defaults,
   * options, or `false` (the default) to accept no extension. Not in Qt.
   * @throws InvalidArgumentError for bad options
   */
  setPerMessageDeflate(options: boolean | PerMessageDeflateOptions): void {
    if (typeof options !== 'boolean') validateDeflateOptions(options);
    this.#deflate = options === false || !deflateSupported ? null : options === true ? {} : { ...options };
  }
  /** The permessage-deflate options in force, or null when off. */
  perMessageDeflate(): PerMessageDeflateOptions | null {
    return this.#deflate === null ? null : { ...this.#deflate };
  }
  #deflate: PerMessageDeflateOptions | null = null;

  /** One function for every connection of this server: drops a connection that is gone. */
  readonly #forget = (ws: WebSocket): void => {
    this.#connections.delete(ws);
    this.#heartbeat.forget(ws);
    // closed before anyone took it: it leaves the queue now, which may let accepting resume
    if (this.#pending.delete(ws)) this.#resumeIfRoom();
  };
  /** What every accepted socket keeps of this server (its topics, #forget). */
  readonly #link = new ServerLink<WebSocket>(this.#topics, this.#forget);

  #accepted(socket: TransportSocket, head: Buffer | null, req: AcceptedRequest, origin: string, subprotocol: string, deflate: DeflateSetting | null): void {
    const secure = this.#secureMode === SslMode.SecureMode;
    const ws = socketAccess.adopt(socket, head, {
      // one string per idle connection: a plain request's head as read, else flat fields
      request:
        req.headText !== undefined && !secure
          ? req.headText
          : { scheme: secure ? 'wss' : 'ws', host: req.headers.host ?? 'localhost', path: req.url ?? '/', rawHeaders: req.headerBlock ?? req.rawHeaders.join('\n') },
      link: this.#link,
      origin,
      subprotocol,
      settings: this.#settings,
      deflate,
    });
    this.#connections.add(ws);
    const cb = this.#upgradeCallback;
    if (cb !== null) {
      // handed over to the framework's callback: its connection, not ours to queue
      socketAccess.release(ws);
      cb(ws);
      return;
    }
    this.#pending.add(ws);
    if (this.#pending.full) this.pauseAccepting();
    this.emit('newConnection');
  }

  // ---- pending connections -------------------------------------------------------------------

  /** True when accepted connections wait in the queue. */
  hasPendingConnections(): boolean {
    return this.#pending.size > 0;
  }

  /** The next accepted connection (oldest first), or null. Draining resumes accepting. */
  nextPendingConnection(): WebSocket | null {
    const ws = this.#pending.take();
    if (ws !== null) socketAccess.release(ws);
    this.#resumeIfRoom();
    return ws;
  }

  #resumeIfRoom(): void {
    if (this.#listener.paused && !this.#pending.full && this.#listener.started) this.resumeAccepting();
  }

  /** Queue size beyond which accepting pauses (default 30). */
  maxPendingConnections(): number {
    return this.#pending.max;
  }
  setMaxPendingConnections(n: number): void {
    this.#pending.setMax(n);
  }

  /** Stops taking new connections (they wait unread until resumeAccepting). */
  pauseAccepting(): void {
    this.#listener.pause();
  }

  /** Takes connections again, starting with those that waited. */
  resumeAccepting(): void {
    this.#listener.resume();
  }

  // ---- state and errors ----------------------------------------------------------------------

  #setError(error: SocketError, message: string): void {
    this.#error = error;
    this.#errorString = message;
  }
  /** The last error. */
  error(): SocketError {
    return this.#error;
  }
  errorString(): string {
    return this.#errorString;
  }
  isListening(): boolean {
    return this.#listener.listening;
  }
  /** Where this server listens, or else the (first) http server it is attached to listens. */
  #address(): AddressInfo | null {
    const a = this.#listener.address() ?? this.#attached.find((h) => h.listening)?.address();
    return a !== undefined && a !== null && typeof a === 'object' ? a : null;
  }
  /** The address listened on — after attach(), the attached server's ('' when neither listens). */
  serverAddress(): string {
    return this.#address()?.address ?? '';
  }
  /** The port listened on — after attach(), the attached server's (0 when neither listens). */
  serverPort(): number {
    return this.#address()?.port ?? 0;
  }
  /** ws://address:port (or wss://) of the listening server, '' when not listening. */
  serverUrl(): string {
    if (!this.isListening()) return '';
    const host = this.serverAddress();
    const h = host.includes(':') ? `[${host}]` : host;
    return `${this.#secureMode === SslMode.SecureMode ? 'wss' : 'ws'}://${h}:${this.serverPort()}`;
  }

  /**
   * Stops listening; queued (not yet taken) connections are closed with 1001 and connections
   * still in their handshake are dropped. Taken connections stay open. Emits closed.
   */
  close(): void {
    this.#listener.close();
    this.#pending.closeAll(CloseCode.CloseCodeGoingAway, 'Server closed');
    this.#acceptor.dropAll();
    for (const http of this.#attached.splice(0)) unrouteUpgrades(http, this);
    this.setHeartbeatInterval(0);
    this.emit('closed');
  }

  // ---- settings ------------------------------------------------------------------------------

  serverName(): string {
    return this.#serverName;
  }
  setServerName(name: string): void {
    this.#serverName = String(name);
  }
  secureMode(): SslMode {
    return this.#secureMode;
  }
  supportedVersions(): Version[] {
    return [Version.Version13];
  }
  supportedSubprotocols(): string[] {
    return [...this.#subprotocols];
  }
  setSupportedSubprotocols(protocols: readonly string[]): void {
    this.#subprotocols = [...protocols];
  }
  handshakeTimeoutMS(): number {
    return this.#handshakeTimeoutMs;
  }
  /** Milliseconds a client may take for its opening handshake before it is dropped. */
  setHandshakeTimeout(ms: number): void {
    if (!Number.isInteger(ms) || ms < 1) throw new InvalidArgumentError('handshake timeout must be a positive integer (ms)');
    this.#handshakeTimeoutMs = ms;
    this.#acceptor.setHandshakeTimeout(ms);
    this.#listener.setHandshakeTimeout(ms);
  }
  maxAllowedIncomingFrameSize(): number {
    return this.#settings.maxFrameSize;
  }
  setMaxAllowedIncomingFrameSize(size: number): void {
    this.#settings = this.#settings.withMaxFrameSize(size, null);
  }
  maxAllowedIncomingMessageSize(): number {
    return this.#settings.maxMessageSize;
  }
  setMaxAllowedIncomingMessageSize(size: number): void {
    this.#settings = this.#settings.withMaxMessageSize(size, null);
  }
  outgoingFrameSize(): number {
    return this.#settings.outgoingFrameSize;
  }
  setOutgoingFrameSize(size: number): void {
    this.#settings = this.#settings.withOutgoingFrameSize(size, null);
  }
  /** Each connection's cap on unsent bytes (default 16 MiB; 0 = none). Not in Qt. */
  maxBufferedBytes(): number {
    return this.#settings.writeLimits.maxBufferedBytes;
  }
  /**
   * Caps each connection's unsent bytes (default 16 MiB; 0 = no cap), checked at send time (see
   * WebSocket.setMaxBufferedBytes). Over the cap, 'close' fails the connection with 1008 and frees
   * its unsent bytes, 'pause' stops reading from that peer until its socket drains. Not in Qt.
   */
  setMaxBufferedBytes(maxBytes: number, policy: BufferPolicy = 'close'): void {
    this.#settings = this.#settings.withMaxBufferedBytes(maxBytes, policy, null);
  }
  sslConfiguration(): SslConfiguration {
    return this.#tls.configuration;
  }
  setSslConfiguration(config: SslConfiguration): void {
    this.#tls.setConfiguration(config);
  }

  /** Connections accepted by this server and still open. */
  connections(): WebSocket[] {
    return [...this.#connections];
  }

  // ---- heartbeat and broadcast ---------------------------------------------------------------

  /**
   * Pings every connection each `ms` milliseconds (one timer for the whole server); a
   * connection that has not answered the previous ping is aborted. 0 turns it off.
   */
  setHeartbeatInterval(ms: number): void {
    this.#heartbeat.setInterval(ms);
  }

  /**
   * Sends one message to many connections (default: all open ones of this server), framing it
   * ONCE: server frames are unmasked, so the same bytes serve every peer.
   * @returns the number of connections it was queued on
   */
  broadcast(message: string | Uint8Array, sockets: Iterable<WebSocket> = this.#connections): number {
    const m = publishMessageOf(message);
    const frames = frameMessage(m.payload, m.text ? Opcode.Text : Opcode.Binary, 0, this.#settings.outgoingFrameSize);
    return this.#connections.broadcast(frames, socketAccess.queueEncoded, sockets);
  }

  // ---- topics (an addition to Qt: see core/topics) --------------------------------------------

  /**
   * Publishes a message (string: text, Buffer/Uint8Array: binary) to every connection subscribed
   * to the topic, framed once (and compressed once per zlib setting for peers without context
   * takeover); with a broker, also to the subscribers on every other server. Not in Qt.
   * @param options `local: true` keeps it on this server
   * @returns the number of local subscribers it was queued on
   * @throws InvalidArgumentError for a bad topic or message, or one larger than the broker takes
   */
  publish(topic: string, message: string | Uint8Array, options?: PublishOptions): number {
    return this.#topics.publish(topic, message, options, null);
  }

  /**
   * Carries this server's topics to other processes and machines (e.g. `new RedisBroker(…)`
   * from `qwebsocket/redis`); null goes back to this server alone. Not in Qt.
   * @throws InvalidArgumentError for an object that is not a broker
   */
  setPubSubBroker(broker: PubSubBroker | null): void {
    this.#topics.setBroker(broker);
  }
  /** The broker set by setPubSubBroker, or null. Not in Qt. */
  pubSubBroker(): PubSubBroker | null {
    return this.#topics.broker();
  }
}
