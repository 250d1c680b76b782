/**
 * QWebSocket for Node.js: Qt's names, argument order and semantics; signals are typed events.
 * Client side (open) and server side (handed out by WebSocketServer) are the same class.
 * @module
 */
import { EventEmitter } from 'node:events';
import type { TransportSocket } from '../transport/openConnection';
import { CloseCode, Limits, Version } from '../codec/constants';
import { SocketError, SocketState, PauseMode } from '../protocol/enums';
import { InvalidArgumentError } from '../errors';
import type { HandshakeOptions, MaskGenerator, NetworkRequest, WebSocketSignals } from './types';
import type { NetworkProxy } from './networkProxy';
import type { SslConfiguration } from '../transport/sslConfiguration';
import type { SslError } from './SslError';
import { Endpoint } from '../core/endpoint';
import { lightenListeners } from '../core/listenerTable';
import { DEFAULT_SETTINGS } from '../core/endpointSettings';
import type { BufferPolicy } from '../transport/writeLimits';
import type { SharedCompressor } from '../core/topics';
import type { DeflateSetting } from '../core/request';
import { bytesOf, checkOriginArgument } from './arguments';
import { ClientOpener } from './clientOpener';
import { SocketEvents, grantSocketLifecycle } from './socketEvents';
import { watchListeners } from './listenerWatch';
import { grantServerSockets, type ServerSideInfo } from './serverSockets';
import { describeRequest, requestResourceName, resolvedRequest, type HeldRequest } from './socketRequest';
import { topicsOf, type ServerLink } from './serverLink';
import { defaultMaskGenerator, installableMaskGenerator } from './maskGenerator';

export type { BufferPolicy } from '../transport/writeLimits';

/**
 * A WebSocket connection (RFC 6455), as Qt's QWebSocket.
 *
 * Signals: see {@link WebSocketSignals}. No error is ever emitted as an `'error'` event: errors
 * set {@link error}/{@link errorString} and emit `errorOccurred`, so a socket without listeners
 * cannot crash the process.
 */
export class WebSocket extends EventEmitter<WebSocketSignals> {
  #origin: string;
  /** State, last error, close code and reason (see qt/socketStatus); the endpoint's events object too (qt/socketEvents). */
  readonly #status = new SocketEvents(this);
  #request: HeldRequest = null; // the server's raw form until first asked for (#resolvedRequest)
  /** Server side (the server's topics and gone-callback, see qt/serverLink); null: a client socket. */
  #link: ServerLink<WebSocket> | null = null;
  #subprotocol = '';
  #conn: Endpoint | null = null;
  /** Limits, caps and sizes (a value: a server socket shares its server's until one changes). */
  #settings = DEFAULT_SETTINGS;
  /** The client side (created on first client use: server-side sockets never need it). */
  #clientValue: ClientOpener | null = null;
  // The private helpers are static, taking the socket: an instance #method would give every
  // socket a hidden 8-byte brand (see cd98ea8).
  static #client(self: WebSocket): ClientOpener {
    return (self.#clientValue ??= new ClientOpener({
      emitter: self,
      status: self.#status,
      setRequest: (request) => (self.#request = request),
      connected: (socket, subprotocol, deflate, head) => WebSocket.#connected(self, socket, subprotocol, deflate, head),
    }));
  }

  static {
    // (the events object is the socket's own, connected or not: refreshed directly)
    watchListeners(this.prototype, (ws) => {
      ws.#status.listenersChanged();
      // a bytesWritten listener: publishes must reach the connection through JS, which reports them
      ws.#conn?.shareStateChanged();
    });
    grantSocketLifecycle<WebSocket>({
      closed: (ws, closeReceived, closeSent, lostError) => WebSocket.#closed(ws, closeReceived, closeSent, lostError),
    });
    grantServerSockets(this, {
      adopt: (socket, head, info) => {
        const ws = new WebSocket(info.origin);
        WebSocket.#attachServer(ws, socket, head, info);
        return ws;
      },
      release: (ws) => ws.#conn?.release(),
      queueEncoded: (ws, frames) => ws.#status.connected && ws.#conn !== null && ws.#conn.sendEncoded(frames),
      topicDelivery: {
        write: (ws, frames) => ws.#status.connected && ws.#conn !== null && ws.#conn.sendShared(frames),
        sharedCompressor: (ws) => (ws.#conn?.sharedCompressor ?? null) as SharedCompressor | null,
        nativeId: (ws) => ws.#conn?.ioShareId ?? -1,
      },
    });
  }

  /**
   * @param origin the Origin header to send (RFC 6454); one with CR or LF makes open() fail
   * @param version only Version13 (VersionLatest) exists in RFC 6455
   * @throws InvalidArgumentError for another version
   * @throws TypeError for a ws:// or wss:// URL as origin (the URL goes to open(); or use
   * `qwebsocket/ws` for ws's `new WebSocket(url)`)
   */
  constructor(origin = '', version: Version = Version.VersionLatest) {
    super();
    lightenListeners(this);
    checkOriginArgument(origin);
    if (version !== Version.Version13) {
      throw new InvalidArgumentError(`Unsupported WebSocket version ${version}: only Version13 (RFC 6455) is supported`);
    }
    this.#origin = String(origin);
  }

  /** Largest incoming frame this implementation supports. */
  static maxIncomingFrameSize(): number {
    return Limits.MAX_INCOMING_FRAME_SIZE;
  }
  /** Largest incoming message this implementation supports. */
  static maxIncomingMessageSize(): number {
    return Limits.MAX_INCOMING_MESSAGE_SIZE;
  }
  /** Largest outgoing frame this implementation supports. */
  static maxOutgoingFrameSize(): number {
    return Limits.MAX_OUTGOING_FRAME_SIZE;
  }

  // ---- state -------------------------------------------------------------------------------

  /** The current QAbstractSocket::SocketState. */
  state(): SocketState {
    return this.#status.state;
  }
  /** True when the socket is connected and can send. */
  isValid(): boolean {
    return this.#status.connected;
  }
  /** The type of the last error. */
  error(): SocketError {
    return this.#status.error;
  }
  /** A human-readable description of the last error. */
  errorString(): string {
    return this.#status.errorString;
  }
  /** Why the socket closed: the peer's close code, 1005 when it sent none, 1006 on abnormal loss. */
  closeCode(): CloseCode {
    return this.#status.closeCode;
  }
  /** The close reason the peer sent (or ours, while closing). */
  closeReason(): string {
    return this.#status.closeReason;
  }

  // ---- opening (client) ----------------------------------------------------------------------

  /**
   * Opens a connection (Qt's four open() overloads).
   * Emits stateChanged (HostLookup, Connecting, Connected), connected, or errorOccurred:
   * ConnectionRefusedError for a URL or origin with CR/LF or a failed handshake,
   * UnsupportedSocketOperationError for a scheme other than ws/wss.
   */
  open(target: string | URL | NetworkRequest, options: HandshakeOptions = {}): void {
    if (this.#status.state !== SocketState.UnconnectedState) this.abort();
    this.#link = null; // a server-side socket opened again is a client now (gone() ran in abort/close)
    this.#subprotocol = '';
    this.#status.reset();
    WebSocket.#client(this).open(target, options, this.#origin);
  }

  static #connected(self: WebSocket, socket: TransportSocket, subprotocol: string, deflate: DeflateSetting | null, head: Buffer): void {
    self.#subprotocol = subprotocol;
    const endpoint = WebSocket.#startEndpoint(self, socket, deflate);
    self.#status.setState(SocketState.ConnectedState);
    self.emit('connected');
    if (self.#conn === endpoint) endpoint.start(head);
  }

  static #startEndpoint(self: WebSocket, socket: TransportSocket, deflate: DeflateSetting | null): Endpoint {
    const endpoint = self.#settings.open(socket, self.#status, self.#link !== null, deflate);
    self.#conn = endpoint;
    return endpoint;
  }

  static #attachServer(self: WebSocket, socket: TransportSocket, head: Buffer | null, info: ServerSideInfo<WebSocket>): void {
    self.#request = info.request;
    self.#link = info.link;
    self.#origin = info.origin;
    self.#subprotocol = info.subprotocol;
    self.#settings = info.settings;
    const endpoint = WebSocket.#startEndpoint(self, socket, info.deflate);
    self.#status.startConnected();
    // read at once, but what it reads waits for the server's hand-off (see core/heldReports)
    endpoint.hold();
    endpoint.start(head);
  }

  // ---- closing -------------------------------------------------------------------------------

  /**
   * Gracefully closes: pending writes are flushed, then the close frame is sent (reason cut to
   * 123 bytes on a code-point boundary), and the socket closes when the peer answers or after
   * the close timeout. Emits aboutToClose, stateChanged(ClosingState), later disconnected.
   * @throws InvalidArgumentError for a code that may not be sent (RFC 6455 §7.4.1)
   */
  close(closeCode: CloseCode | number = CloseCode.CloseCodeNormal, reason = ''): void {
    const state = this.#status.state;
    if (state === SocketState.HostLookupState || state === SocketState.ConnectingState) {
      this.#clientValue?.abort();
      this.#status.setState(SocketState.UnconnectedState);
      return;
    }
    const conn = this.#conn;
    if (state !== SocketState.ConnectedState || conn === null) return;
    Endpoint.checkClose(closeCode, String(reason)); // validates before any state changes
    this.#status.closing(closeCode, String(reason));
    this.emit('aboutToClose');
    if (this.#conn !== conn) return; // aborted from the slot
    conn.close(closeCode, String(reason));
    this.#status.setState(SocketState.ClosingState);
  }

  /** Closes immediately, discarding pending writes; emits disconnected when it was connected. */
  abort(): void {
    this.#clientValue?.abort();
    const conn = this.#conn;
    const wasOpen = this.#status.connected || this.#status.state === SocketState.ClosingState;
    if (conn !== null) {
      this.#conn = null;
      this.#status.aborted(conn.closeReceived);
      conn.destroy();
    }
    this.#status.setState(SocketState.UnconnectedState);
    this.#link?.gone(this);
    if (wasOpen) this.emit('disconnected');
  }

  // ---- sending -------------------------------------------------------------------------------

  /**
   * Queues a text message (fragmented above outgoingFrameSize()).
   * @returns the number of payload bytes queued; 0 when not connected
   */
  sendTextMessage(message: string): number {
    if (typeof message !== 'string') throw new InvalidArgumentError('sendTextMessage expects a string');
    if (!this.#status.connected || this.#conn === null) return 0;
    return this.#conn.sendText(message);
  }

  /**
   * Queues a binary message (fragmented above outgoingFrameSize()): a Buffer, any typed array
   * or DataView (its bytes), or an ArrayBuffer. The bytes are written by reference when large:
   * do not modify them until bytesWritten.
   * @returns the number of payload bytes queued; 0 when not connected, or when the message would
   * take the unsent bytes over maxBufferedBytes() (the connection is then failed with 1008)
   * @throws InvalidArgumentError for anything else (a Blob too: its bytes come asynchronously, pass `await blob.arrayBuffer()`)
   */
  sendBinaryMessage(data: Uint8Array | ArrayBufferView | ArrayBuffer): number {
    const bytes = bytesOf(data, 'sendBinaryMessage');
    if (!this.#status.connected || this.#conn === null) return 0;
    return this.#conn.sendBinary(bytes);
  }

  /** Sends a ping; the payload is clipped to 125 bytes. The answer emits pong(elapsedMs, payload). */
  ping(payload: Uint8Array | string = Buffer.alloc(0)): void {
    const p = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
    if (!(p instanceof Uint8Array)) throw new InvalidArgumentError('ping expects a Buffer, Uint8Array or string');
    if (!this.#status.connected || this.#conn === null) return;
    this.#conn.sendPing(p);
  }

  /** Bytes queued but not yet written to the network. */
  bytesToWrite(): number {
    return this.#conn?.bytesToWrite ?? 0;
  }

  /** Writes queued data now. @returns true when anything was written */
  flush(): boolean {
    return this.#conn?.flush() ?? false;
  }

  // ---- topics (an addition to Qt: see core/topics) --------------------------------------------

  /**
   * Subscribes this connection to a topic: it receives every later publish on it, from this
   * server or (with a broker) any other. Not in Qt.
   * @returns true when newly subscribed; false when it already was or is not connected
   * @throws InvalidArgumentError for a bad topic; InvalidStateError on a client socket
   */
  subscribe(topic: string): boolean {
    const hub = topicsOf(this.#link);
    return this.#status.connected && hub.registry.subscribe(this, topic);
  }
  /**
   * Leaves a topic. Not in Qt. @returns true when it was subscribed
   * @throws InvalidArgumentError for a bad topic; InvalidStateError on a client socket
   */
  unsubscribe(topic: string): boolean {
    return topicsOf(this.#link).registry.unsubscribe(this, topic);
  }
  /** True when this connection is subscribed to the topic (false on a client socket). Not in Qt. */
  isSubscribed(topic: string): boolean {
    return this.#link?.topics.registry.isSubscribed(this, topic) ?? false;
  }
  /** The topics this connection is subscribed to, in subscription order. Not in Qt. */
  subscriptions(): string[] {
    return this.#link?.topics.registry.subscriptions(this) ?? [];
  }
  /**
   * Publishes a message (string: text, Buffer/Uint8Array: binary) to every subscriber of the
   * topic but this connection, here and through the server's broker. Not in Qt.
   * @returns the number of local subscribers it was queued on
   * @throws InvalidArgumentError for a bad topic or message; InvalidStateError on a client socket
   */
  publish(topic: string, message: string | Uint8Array): number {
    return topicsOf(this.#link).publish(topic, message, undefined, this);
  }

  // ---- reports of the endpoint (through SocketEvents, see the static block) ----------------

  static #closed(self: WebSocket, closeReceived: boolean, closeSent: boolean, lostError: Error | null): void {
    if (self.#conn === null) return; // aborted: already reported
    self.#conn = null;
    self.#status.closed(closeReceived, closeSent, lostError);
    self.#status.setState(SocketState.UnconnectedState);
    self.#link?.gone(self);
    self.emit('disconnected');
  }

  /** The request, resolved from the server's raw form on first use (see qt/socketRequest). */
  static #resolvedRequest(self: WebSocket): ReturnType<typeof resolvedRequest> {
    return (self.#request = resolvedRequest(self.#request));
  }

  // ---- settings and accessors ----------------------------------------------------------------

  /** Largest incoming frame accepted; larger ones close the connection with 1009. */
  maxAllowedIncomingFrameSize(): number {
    return this.#settings.maxFrameSize;
  }
  /** @throws InvalidArgumentError outside 0..maxIncomingFrameSize() */
  setMaxAllowedIncomingFrameSize(size: number): void {
    this.#settings = this.#settings.withMaxFrameSize(size, this.#conn);
  }
  /** Largest incoming message accepted; larger ones close the connection with 1009. */
  maxAllowedIncomingMessageSize(): number {
    return this.#settings.maxMessageSize;
  }
  /** @throws InvalidArgumentError outside 0..maxIncomingMessageSize() */
  setMaxAllowedIncomingMessageSize(size: number): void {
    this.#settings = this.#settings.withMaxMessageSize(size, this.#conn);
  }
  /** Largest outgoing frame; longer messages are fragmented. Default 512 KiB. */
  outgoingFrameSize(): number {
    return this.#settings.outgoingFrameSize;
  }
  /** @throws InvalidArgumentError outside 1..maxOutgoingFrameSize() */
  setOutgoingFrameSize(size: number): void {
    this.#settings = this.#settings.withOutgoingFrameSize(size, this.#conn);
  }
  /** Bytes read from the socket per event-loop turn at most (0 = unlimited, the default). */
  readBufferSize(): number {
    return this.#settings.readBufferSize;
  }
  /** @throws InvalidArgumentError for a negative or non-integer size */
  setReadBufferSize(size: number): void {
    this.#settings = this.#settings.withReadBufferSize(size, this.#conn);
  }
  /** Cap on unsent bytes (frame bytes); 0 = none. Not in Qt (README "Limits and defaults"). */
  maxBufferedBytes(): number {
    return this.#settings.writeLimits.maxBufferedBytes;
  }
  /**
   * Caps this socket's unsent bytes (default 16 MiB; 0 = no cap). A send that would go over it
   * fails the connection with 1008 and frees every unsent byte ('close', the default) unless
   * nothing was waiting: one message larger than the cap still goes out alone. 'pause' instead
   * stops reading from the peer until the socket drains. Not in Qt.
   * @throws InvalidArgumentError for a negative size or another policy
   */
  setMaxBufferedBytes(maxBytes: number, policy: BufferPolicy = 'close'): void {
    this.#settings = this.#settings.withMaxBufferedBytes(maxBytes, policy, this.#conn);
  }
  /** The high-water mark of the drained signal (default 1 MiB). Not in Qt. */
  writeHighWatermark(): number {
    return this.#settings.writeLimits.highWater;
  }
  /** The low-water mark of the drained signal (default 256 KiB). Not in Qt. */
  writeLowWatermark(): number {
    return this.#settings.writeLimits.lowWater;
  }
  /**
   * Sets the marks of the drained signal: emitted once when bytesToWrite() falls to `low` or
   * below after exceeding `high`. Not in Qt.
   * @throws InvalidArgumentError unless 0 <= low <= high
   */
  setWriteWatermarks(high: number, low: number): void {
    this.#settings = this.#settings.withWriteWatermarks(high, low, this.#conn);
  }
  /** The mask generator in use (the default pool-backed one unless set). */
  maskGenerator(): MaskGenerator {
    // (kept in the settings as their mask source, null for the default: no field per socket)
    return (this.#settings.maskSource as MaskGenerator | null) ?? defaultMaskGenerator;
  }
  /**
   * Sets the mask generator (null restores the default); its seed() is called now.
   * @throws InvalidArgumentError when seed() returns false or the object lacks nextMask()
   */
  setMaskGenerator(generator: MaskGenerator | null): void {
    const installed = installableMaskGenerator(generator);
    // the default generator is the codec's own pool: the session then draws keys without a call out
    this.#settings = this.#settings.withMaskSource(installed === defaultMaskGenerator ? null : installed, this.#conn);
  }
  /** The origin sent (client) or received (server). */
  origin(): string {
    return this.#origin;
  }
  /** The protocol version in use (always 13). */
  version(): Version {
    // the constructor accepts no other: no field per socket holds it
    return Version.Version13;
  }
  /** The subprotocol agreed in the handshake, '' when none. */
  subprotocol(): string {
    return this.#subprotocol;
  }
  /** The handshake options given to open(). */
  handshakeOptions(): HandshakeOptions {
    return this.#clientValue?.handshakeOptions() ?? { subprotocols: [] };
  }
  /** The request used to open this socket (or, server side, the one received). */
  request(): { url: string; headers: Array<[string, string]> } {
    return describeRequest(WebSocket.#resolvedRequest(this));
  }
  /** The URL connected (or to connect) to. */
  requestUrl(): string {
    return WebSocket.#resolvedRequest(this)?.url.href ?? '';
  }
  /** Path and query of the request URL. */
  resourceName(): string {
    return requestResourceName(WebSocket.#resolvedRequest(this));
  }
  /** Local IP address ('' when not connected). */
  localAddress(): string {
    return this.#conn?.localAddress ?? '';
  }
  /** Local port (0 when not connected). */
  localPort(): number {
    return this.#conn?.localPort ?? 0;
  }
  /** The peer's IP address ('' when not connected). */
  peerAddress(): string {
    return this.#conn?.remoteAddress ?? '';
  }
  /** The peer's port (0 when not connected). */
  peerPort(): number {
    return this.#conn?.remotePort ?? 0;
  }
  /** The peer's host name as given in the URL (client); '' on the server side. */
  peerName(): string {
    return this.#clientValue?.peerName() ?? '';
  }

  // ---- TLS and proxy settings (behaviour in qt/clientOpener, the TLS and proxy layers) -------

  /** The proxy setting (DefaultProxy unless set). */
  proxy(): NetworkProxy {
    return WebSocket.#client(this).proxy();
  }
  setProxy(proxy: NetworkProxy): void {
    WebSocket.#client(this).setProxy(proxy);
  }
  /** QAbstractSocket::PauseModes. */
  pauseMode(): PauseMode {
    return this.#clientValue?.pauseMode() ?? PauseMode.PauseNever;
  }
  setPauseMode(mode: PauseMode): void {
    WebSocket.#client(this).setPauseMode(mode);
  }
  /**
   * Continues a handshake paused after sslErrors (PauseOnSslErrors): it goes on when the errors
   * were ignored by then (ignoreSslErrors), and fails with SslHandshakeFailedError otherwise.
   * No-op when not paused. The handshake timeout keeps running while paused.
   */
  resume(): void {
    this.#clientValue?.ssl.resume();
  }
  sslConfiguration(): SslConfiguration {
    return this.#clientValue?.sslConfiguration() ?? {};
  }
  setSslConfiguration(config: SslConfiguration): void {
    WebSocket.#client(this).setSslConfiguration(config);
  }
  /**
   * Ignores certificate errors: all of them (no argument; call it in a sslErrors slot or before
   * open()), or exactly the listed ones — every reported error must equal one of the list by
   * error code and certificate (SHA-256 fingerprint; a listed error without certificate only
   * matches an error without one). A new list replaces the previous one; [] clears it. The
   * setting persists across open() calls, as in Qt.
   */
  ignoreSslErrors(errors?: readonly SslError[]): void {
    WebSocket.#client(this).ssl.ignoreSslErrors(errors);
  }
  /**
   * Lets a handshake interrupted by handshakeInterruptedOnError go on; must be called from the
   * slot (synchronously). The errors are still reported by sslErrors afterwards.
   */
  continueInterruptedHandshake(): void {
    this.#clientValue?.ssl.continueInterruptedHandshake();
  }
}
