/**
 * QWebSocket for Node.js: Qt's names, argument order and semantics; signals are typed events.
 * Client side (open) and server side (handed out by WebSocketServer) are the same class.
 * @module
 */
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import type { TransportSocket } from '../transport/openConnection';
import { CloseCode, Limits, Version } from '../codec/constants';
import { SocketError, SocketState, PauseMode } from '../protocol/enums';
import { truncateUtf8 } from '../protocol/closeFrame';
import { resourceName } from '../transport/clientHandshake';
import { nextMaskKey } from '../codec';
import { InvalidArgumentError, InvalidStateError } from '../errors';
import type { HandshakeOptions, MaskGenerator, NetworkRequest, WebSocketSignals } from './types';
import type { NetworkProxy } from './networkProxy';
import type { SslConfiguration } from '../transport/sslConfiguration';
import type { SslError } from './SslError';
import { Endpoint } from '../core/endpoint';
import { DEFAULT_WRITE_LIMITS, type BufferPolicy, type WriteLimits } from '../transport/connectionBase';
import { isTlsError, tlsErrorText } from '../transport/tlsAlerts';
import type { TopicHub } from '../core/topicHub';
import type { SharedCompressor, TopicDelivery } from '../core/topics';
import { resolveRequest, type DeflateSetting, type RequestSource, type ResolvedRequest, type ServerSideInfo } from '../core/request';
import { bytesOf, checkSize, looksLikeWebSocketUrl } from './arguments';
import { ClientOpener } from './clientOpener';
import { SocketEvents, type SocketLifecycle } from './socketEvents';

/** The default mask generator: keys from a crypto-random pool refilled in bulk. */
export const defaultMaskGenerator: MaskGenerator = Object.freeze({
  seed: () => true,
  nextMask: nextMaskKey,
});

let attachServer: (ws: WebSocket, socket: TransportSocket, head: Buffer | null, info: ServerSideInfo<WebSocket>) => void;
let lifecycle: SocketLifecycle<WebSocket>;
let sendEncodedFrames: (ws: WebSocket, frames: readonly Buffer[]) => boolean;
let sendShared: (ws: WebSocket, frames: readonly Buffer[]) => boolean;
let sharedCompressorOf: (ws: WebSocket) => SharedCompressor | null;
let handOver: (ws: WebSocket) => void;

export type { BufferPolicy } from '../transport/connectionBase';

/**
 * A WebSocket connection (RFC 6455), as Qt's QWebSocket.
 *
 * Signals: see {@link WebSocketSignals}. No error is ever emitted as an `'error'` event: errors
 * set {@link error}/{@link errorString} and emit `errorOccurred`, so a socket without listeners
 * cannot crash the process.
 */
export class WebSocket extends EventEmitter<WebSocketSignals> {
  #origin: string;
  #version: Version;
  #state = SocketState.UnconnectedState;
  #error = SocketError.UnknownSocketError;
  #errorString = '';
  #closeCode: CloseCode = CloseCode.CloseCodeNormal;
  #closeReason = '';
  #requestValue: ResolvedRequest | RequestSource | null = null;
  /** Server side: called once when the connection is gone (instead of a listener per socket). */
  #onGone: ((ws: WebSocket) => void) | null = null;
  /** Server side: the server's topics; null on client sockets. */
  #topics: TopicHub<WebSocket> | null = null;
  #subprotocol = '';
  #server = false;
  #conn: Endpoint | null = null;
  // our defaults, not Qt's 2 GiB (README "Limits and defaults")
  #maxFrame: number = Limits.DEFAULT_MAX_INCOMING_FRAME_SIZE;
  #maxMessage: number = Limits.DEFAULT_MAX_INCOMING_MESSAGE_SIZE;
  #writeLimits: WriteLimits = DEFAULT_WRITE_LIMITS;
  #outgoingFrameSize: number = Limits.DEFAULT_OUTGOING_FRAME_SIZE;
  #readBufferSize = 0;
  #maskGenerator: MaskGenerator = defaultMaskGenerator;
  /** The client side (created on first client use: server-side sockets never need it). */
  #clientValue: ClientOpener | null = null;
  get #client(): ClientOpener {
    const ws = this;
    return (this.#clientValue ??= new ClientOpener({
      emitter: this,
      get origin(): string {
        return ws.#origin;
      },
      setRequest: (request) => (this.#request = request),
      setState: (state) => this.#setState(state),
      setError: (error, message) => this.#setError(error, message),
      connected: (socket, subprotocol, deflate, head) => this.#connected(socket, subprotocol, deflate, head),
    }));
  }
  /** Set when we failed the connection for a protocol error: closeCode() keeps the code we sent. */
  #failed = false;

  static {
    attachServer = (ws, socket, head, info) => ws.#attachServer(socket, head, info);
    lifecycle = {
      peerClosed: (ws, code, reason) => ws.#peerClosed(code, reason),
      failed: (ws, code, reason) => ws.#failedWith(code, reason),
      closed: (ws, closeReceived, closeSent, lostError) => ws.#closed(closeReceived, closeSent, lostError),
    };
    sendEncodedFrames = (ws, frames) => ws.#state === SocketState.ConnectedState && ws.#conn !== null && ws.#conn.sendEncoded(frames);
    sendShared = (ws, frames) => ws.#state === SocketState.ConnectedState && ws.#conn !== null && ws.#conn.sendShared(frames);
    sharedCompressorOf = (ws) => (ws.#conn?.sharedCompressor ?? null) as SharedCompressor | null;
    handOver = (ws) => ws.#conn?.release();
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
    if (looksLikeWebSocketUrl(origin)) {
      throw new TypeError(
        `new WebSocket(${JSON.stringify(String(origin).slice(0, 100))}): the first argument is the Origin header, not the URL to connect to. ` +
          "Pass the URL to open() (new WebSocket().open(url)), or use require('qwebsocket/ws') for the ws-style new WebSocket(url).",
      );
    }
    if (version !== Version.Version13) {
      throw new InvalidArgumentError(`Unsupported WebSocket version ${version}: only Version13 (RFC 6455) is supported`);
    }
    this.#origin = String(origin);
    this.#version = version;
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

  #setState(state: SocketState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.emit('stateChanged', state);
  }

  #setError(error: SocketError, message: string): void {
    this.#error = error;
    this.#errorString = message;
    this.emit('errorOccurred', error);
  }

  /** The current QAbstractSocket::SocketState. */
  state(): SocketState {
    return this.#state;
  }
  /** True when the socket is connected and can send. */
  isValid(): boolean {
    return this.#state === SocketState.ConnectedState;
  }
  /** The type of the last error. */
  error(): SocketError {
    return this.#error;
  }
  /** A human-readable description of the last error. */
  errorString(): string {
    return this.#errorString;
  }
  /** Why the socket closed: the peer's close code, 1005 when it sent none, 1006 on abnormal loss. */
  closeCode(): CloseCode {
    return this.#closeCode;
  }
  /** The close reason the peer sent (or ours, while closing). */
  closeReason(): string {
    return this.#closeReason;
  }

  // ---- opening (client) ----------------------------------------------------------------------

  /**
   * Opens a connection (Qt's four open() overloads).
   * Emits stateChanged (HostLookup, Connecting, Connected), connected, or errorOccurred:
   * ConnectionRefusedError for a URL or origin with CR/LF or a failed handshake,
   * UnsupportedSocketOperationError for a scheme other than ws/wss.
   */
  open(target: string | URL | NetworkRequest, options: HandshakeOptions = {}): void {
    if (this.#state !== SocketState.UnconnectedState) this.abort();
    this.#server = false;
    this.#subprotocol = '';
    this.#closeCode = CloseCode.CloseCodeNormal;
    this.#closeReason = '';
    this.#failed = false;
    this.#client.open(target, options);
  }

  #connected(socket: TransportSocket, subprotocol: string, deflate: DeflateSetting | null, head: Buffer): void {
    this.#subprotocol = subprotocol;
    const endpoint = this.#startEndpoint(socket, deflate);
    this.#setState(SocketState.ConnectedState);
    this.emit('connected');
    if (this.#conn === endpoint) endpoint.start(head);
  }

  #startEndpoint(socket: TransportSocket, deflate: DeflateSetting | null): Endpoint {
    const endpoint = new Endpoint(socket, new SocketEvents(this, lifecycle), {
      server: this.#server,
      maxFrameSize: this.#maxFrame,
      maxMessageSize: this.#maxMessage,
      outgoingFrameSize: this.#outgoingFrameSize,
      readBufferSize: this.#readBufferSize,
      deflate,
      maskSource: !this.#server && this.#maskGenerator !== defaultMaskGenerator ? this.#maskGenerator : null,
      writeLimits: this.#writeLimits,
    });
    this.#conn = endpoint;
    return endpoint;
  }

  #attachServer(socket: TransportSocket, head: Buffer | null, info: ServerSideInfo<WebSocket>): void {
    this.#server = true;
    this.#request = info.request;
    this.#onGone = info.onGone ?? null;
    this.#topics = info.topics;
    this.#origin = info.origin;
    this.#subprotocol = info.subprotocol;
    this.#maxFrame = info.maxFrameSize;
    this.#maxMessage = info.maxMessageSize;
    const endpoint = this.#startEndpoint(socket, info.deflate);
    this.#state = SocketState.ConnectedState;
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
    if (this.#state === SocketState.HostLookupState || this.#state === SocketState.ConnectingState) {
      this.#clientValue?.abort();
      this.#setState(SocketState.UnconnectedState);
      return;
    }
    const conn = this.#conn;
    if (this.#state !== SocketState.ConnectedState || conn === null) return;
    Endpoint.checkClose(closeCode, String(reason)); // validates before any state changes
    this.#closeCode = closeCode;
    // as sent: cut to 123 bytes on a code-point boundary (Qt keeps the cut reason too)
    this.#closeReason = truncateUtf8(String(reason)).toString('utf8');
    this.emit('aboutToClose');
    if (this.#conn !== conn) return; // aborted from the slot
    conn.close(closeCode, String(reason));
    this.#setState(SocketState.ClosingState);
  }

  /** Closes immediately, discarding pending writes; emits disconnected when it was connected. */
  abort(): void {
    this.#clientValue?.abort();
    const conn = this.#conn;
    const wasOpen = this.#state === SocketState.ConnectedState || this.#state === SocketState.ClosingState;
    if (conn !== null) {
      this.#conn = null;
      if (!conn.closeReceived) this.#closeCode = CloseCode.CloseCodeAbnormalDisconnection;
      conn.destroy();
    }
    this.#setState(SocketState.UnconnectedState);
    this.#gone();
    if (wasOpen) this.emit('disconnected');
  }

  // ---- sending -------------------------------------------------------------------------------

  /**
   * Queues a text message (fragmented above outgoingFrameSize()).
   * @returns the number of payload bytes queued; 0 when not connected
   */
  sendTextMessage(message: string): number {
    if (typeof message !== 'string') throw new InvalidArgumentError('sendTextMessage expects a string');
    if (this.#state !== SocketState.ConnectedState || this.#conn === null) return 0;
    return this.#conn.sendText(message);
  }

  /**
   * Queues a binary message (fragmented above outgoingFrameSize()): a Buffer, any typed array
   * or DataView (its bytes), or an ArrayBuffer. The bytes are written by reference when large:
   * do not modify them until bytesWritten.
   * @returns the number of payload bytes queued; 0 when not connected, or when the message would
   * take the unsent bytes over maxBufferedBytes() (the connection is then failed with 1008)
   * @throws InvalidArgumentError for anything else
   */
  sendBinaryMessage(data: Uint8Array | ArrayBufferView | ArrayBuffer): number {
    const bytes = bytesOf(data, 'sendBinaryMessage');
    if (this.#state !== SocketState.ConnectedState || this.#conn === null) return 0;
    return this.#conn.sendBinary(bytes);
  }

  /** Sends a ping; the payload is clipped to 125 bytes. The answer emits pong(elapsedMs, payload). */
  ping(payload: Uint8Array | string = Buffer.alloc(0)): void {
    const p = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
    if (!(p instanceof Uint8Array)) throw new InvalidArgumentError('ping expects a Buffer, Uint8Array or string');
    if (this.#state !== SocketState.ConnectedState || this.#conn === null) return;
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

  /** The server's topics, for a connection it accepted. */
  #hub(): TopicHub<WebSocket> {
    if (this.#topics === null) throw new InvalidStateError('Topics are for connections accepted by a WebSocketServer');
    return this.#topics;
  }

  /**
   * Subscribes this connection to a topic: it receives every later publish on it, from this
   * server or (with a broker) any other. Not in Qt.
   * @returns true when newly subscribed; false when it already was or is not connected
   * @throws InvalidArgumentError for a bad topic; InvalidStateError on a client socket
   */
  subscribe(topic: string): boolean {
    const hub = this.#hub();
    return this.#state === SocketState.ConnectedState && hub.registry.subscribe(this, topic);
  }
  /**
   * Leaves a topic. Not in Qt. @returns true when it was subscribed
   * @throws InvalidArgumentError for a bad topic; InvalidStateError on a client socket
   */
  unsubscribe(topic: string): boolean {
    return this.#hub().registry.unsubscribe(this, topic);
  }
  /** True when this connection is subscribed to the topic (false on a client socket). Not in Qt. */
  isSubscribed(topic: string): boolean {
    return this.#topics?.registry.isSubscribed(this, topic) ?? false;
  }
  /** The topics this connection is subscribed to, in subscription order. Not in Qt. */
  subscriptions(): string[] {
    return this.#topics?.registry.subscriptions(this) ?? [];
  }
  /**
   * Publishes a message (string: text, Buffer/Uint8Array: binary) to every subscriber of the
   * topic but this connection, here and through the server's broker. Not in Qt.
   * @returns the number of local subscribers it was queued on
   * @throws InvalidArgumentError for a bad topic or message; InvalidStateError on a client socket
   */
  publish(topic: string, message: string | Uint8Array): number {
    return this.#hub().publish(topic, message, undefined, this);
  }

  // ---- reports of the endpoint (through SocketEvents, see the static block) ----------------

  #peerClosed(code: number, reason: string): void {
    if (this.#state !== SocketState.ConnectedState) return;
    // the peer started the close: its code and reason are why we close (when we started it,
    // Qt keeps ours and the peer's answer does not replace them)
    this.#closeCode = code;
    this.#closeReason = reason;
    this.emit('aboutToClose');
    this.#setState(SocketState.ClosingState);
  }

  #failedWith(code: number, reason: string): void {
    this.#failed = true;
    this.#closeCode = code;
    this.#closeReason = reason;
    if (this.#state === SocketState.ConnectedState) {
      this.emit('aboutToClose');
      this.#setState(SocketState.ClosingState);
    }
  }

  #closed(closeReceived: boolean, closeSent: boolean, lostError: Error | null): void {
    if (this.#conn === null) return; // aborted: already reported
    this.#conn = null;
    if (!(closeReceived && closeSent) && !this.#failed) {
      if (!closeReceived) {
        this.#closeCode = CloseCode.CloseCodeAbnormalDisconnection;
        if (!closeSent) this.#closeReason = '';
      }
      if (!closeSent) {
        // a reset without a close handshake is RemoteHostClosedError
        this.#setError(SocketError.RemoteHostClosedError, lostError !== null ? `Connection lost: ${isTlsError(lostError) ? tlsErrorText(lostError) : lostError.message}` : 'The remote host closed the connection');
      }
    }
    this.#setState(SocketState.UnconnectedState);
    this.#gone();
    this.emit('disconnected');
  }

  #gone(): void {
    this.#topics?.registry.leaveAll(this);
    const f = this.#onGone;
    if (f !== null) {
      this.#onGone = null;
      f(this);
    }
  }

  /** The request, resolved from the server's raw form on first use. */
  get #request(): ResolvedRequest | null {
    const r = this.#requestValue;
    if (r === null || 'url' in r) return r;
    return (this.#requestValue = resolveRequest(r));
  }
  set #request(value: ResolvedRequest | RequestSource | null) {
    this.#requestValue = value;
  }

  // ---- settings and accessors ----------------------------------------------------------------

  /** Largest incoming frame accepted; larger ones close the connection with 1009. */
  maxAllowedIncomingFrameSize(): number {
    return this.#maxFrame;
  }
  /** @throws InvalidArgumentError outside 0..maxIncomingFrameSize() */
  setMaxAllowedIncomingFrameSize(size: number): void {
    this.#maxFrame = checkSize('maxAllowedIncomingFrameSize', size, Limits.MAX_INCOMING_FRAME_SIZE);
    this.#conn?.setLimits(this.#maxFrame, this.#maxMessage);
  }
  /** Largest incoming message accepted; larger ones close the connection with 1009. */
  maxAllowedIncomingMessageSize(): number {
    return this.#maxMessage;
  }
  /** @throws InvalidArgumentError outside 0..maxIncomingMessageSize() */
  setMaxAllowedIncomingMessageSize(size: number): void {
    this.#maxMessage = checkSize('maxAllowedIncomingMessageSize', size, Limits.MAX_INCOMING_MESSAGE_SIZE);
    this.#conn?.setLimits(this.#maxFrame, this.#maxMessage);
  }
  /** Largest outgoing frame; longer messages are fragmented. Default 512 KiB. */
  outgoingFrameSize(): number {
    return this.#outgoingFrameSize;
  }
  /** @throws InvalidArgumentError outside 1..maxOutgoingFrameSize() */
  setOutgoingFrameSize(size: number): void {
    if (size === 0) throw new InvalidArgumentError('outgoingFrameSize must be at least 1');
    this.#outgoingFrameSize = checkSize('outgoingFrameSize', size, Limits.MAX_OUTGOING_FRAME_SIZE);
    this.#conn?.setOutgoingFrameSize(size);
  }
  /** Bytes read from the socket per event-loop turn at most (0 = unlimited, the default). */
  readBufferSize(): number {
    return this.#readBufferSize;
  }
  /** @throws InvalidArgumentError for a negative or non-integer size */
  setReadBufferSize(size: number): void {
    this.#readBufferSize = checkSize('readBufferSize', size, Number.MAX_SAFE_INTEGER);
    this.#conn?.setReadBufferSize(size);
  }
  /** Cap on unsent bytes (frame bytes); 0 = none. Not in Qt (README "Limits and defaults"). */
  maxBufferedBytes(): number {
    return this.#writeLimits.maxBufferedBytes;
  }
  /**
   * Caps this socket's unsent bytes (default 16 MiB; 0 = no cap). A send that would go over it
   * fails the connection with 1008 and frees every unsent byte ('close', the default) unless
   * nothing was waiting: one message larger than the cap still goes out alone. 'pause' instead
   * stops reading from the peer until the socket drains. Not in Qt.
   * @throws InvalidArgumentError for a negative size or another policy
   */
  setMaxBufferedBytes(maxBytes: number, policy: BufferPolicy = 'close'): void {
    const cap = checkSize('maxBufferedBytes', maxBytes, Number.MAX_SAFE_INTEGER);
    if (policy !== 'close' && policy !== 'pause') throw new InvalidArgumentError("policy must be 'close' or 'pause'");
    this.#setWriteLimits({ ...this.#writeLimits, maxBufferedBytes: cap, policy });
  }
  /** The high-water mark of the drained signal (default 1 MiB). Not in Qt. */
  writeHighWatermark(): number {
    return this.#writeLimits.highWater;
  }
  /** The low-water mark of the drained signal (default 256 KiB). Not in Qt. */
  writeLowWatermark(): number {
    return this.#writeLimits.lowWater;
  }
  /**
   * Sets the marks of the drained signal: emitted once when bytesToWrite() falls to `low` or
   * below after exceeding `high`. Not in Qt.
   * @throws InvalidArgumentError unless 0 <= low <= high
   */
  setWriteWatermarks(high: number, low: number): void {
    const h = checkSize('writeHighWatermark', high, Number.MAX_SAFE_INTEGER);
    const l = checkSize('writeLowWatermark', low, h);
    this.#setWriteLimits({ ...this.#writeLimits, highWater: h, lowWater: l });
  }
  #setWriteLimits(limits: WriteLimits): void {
    this.#writeLimits = Object.freeze(limits);
    this.#conn?.setWriteLimits(this.#writeLimits);
  }
  /** The mask generator in use (the default pool-backed one unless set). */
  maskGenerator(): MaskGenerator {
    return this.#maskGenerator;
  }
  /**
   * Sets the mask generator (null restores the default); its seed() is called now.
   * @throws InvalidArgumentError when seed() returns false or the object lacks nextMask()
   */
  setMaskGenerator(generator: MaskGenerator | null): void {
    if (generator === null) {
      this.#maskGenerator = defaultMaskGenerator;
    } else {
      if (typeof generator.nextMask !== 'function' || typeof generator.seed !== 'function') {
        throw new InvalidArgumentError('A MaskGenerator needs seed() and nextMask()');
      }
      if (!generator.seed()) throw new InvalidArgumentError('MaskGenerator.seed() failed');
      this.#maskGenerator = generator;
    }
    this.#conn?.setMaskSource(this.#maskGenerator === defaultMaskGenerator ? null : this.#maskGenerator);
  }
  /** The origin sent (client) or received (server). */
  origin(): string {
    return this.#origin;
  }
  /** The protocol version in use (always 13). */
  version(): Version {
    return this.#version;
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
    const r = this.#request;
    return { url: r?.url.href ?? '', headers: r?.headers.map(([k, v]) => [k, v] as [string, string]) ?? [] };
  }
  /** The URL connected (or to connect) to. */
  requestUrl(): string {
    return this.#request?.url.href ?? '';
  }
  /** Path and query of the request URL. */
  resourceName(): string {
    return this.#request !== null ? resourceName(this.#request.url) : '';
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
    return this.#client.proxy();
  }
  setProxy(proxy: NetworkProxy): void {
    this.#client.setProxy(proxy);
  }
  /** QAbstractSocket::PauseModes. */
  pauseMode(): PauseMode {
    return this.#clientValue?.pauseMode() ?? PauseMode.PauseNever;
  }
  setPauseMode(mode: PauseMode): void {
    this.#client.setPauseMode(mode);
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
    this.#client.setSslConfiguration(config);
  }
  /**
   * Ignores certificate errors: all of them (no argument; call it in a sslErrors slot or before
   * open()), or exactly the listed ones — every reported error must equal one of the list by
   * error code and certificate (SHA-256 fingerprint; a listed error without certificate only
   * matches an error without one). A new list replaces the previous one; [] clears it. The
   * setting persists across open() calls, as in Qt.
   */
  ignoreSslErrors(errors?: readonly SslError[]): void {
    this.#client.ssl.ignoreSslErrors(errors);
  }
  /**
   * Lets a handshake interrupted by handshakeInterruptedOnError go on; must be called from the
   * slot (synchronously). The errors are still reported by sslErrors afterwards.
   */
  continueInterruptedHandshake(): void {
    this.#clientValue?.ssl.continueInterruptedHandshake();
  }
}

/** @internal Used by WebSocketServer.broadcast: queues frames encoded once, by reference. */
export function queueEncodedFrames(ws: WebSocket, frames: readonly Buffer[]): boolean {
  return sendEncodedFrames(ws, frames);
}

/** @internal How a server's topics reach its connections (write caps apply, see Connection). */
export const topicDelivery: TopicDelivery<WebSocket> = {
  write: (ws, frames) => sendShared(ws, frames),
  sharedCompressor: (ws) => sharedCompressorOf(ws),
};

/**
 * @internal Used by WebSocketServer when its user gets `ws` (nextPendingConnection, the
 * handleUpgrade callback): what was read before follows on the next tick.
 */
export function releaseServerSocket(ws: WebSocket): void {
  handOver(ws);
}

/** @internal Used by WebSocketServer to hand an accepted, upgraded socket to a WebSocket. */
export function adoptServerSocket(socket: TransportSocket, head: Buffer | null, info: ServerSideInfo<WebSocket>): WebSocket {
  const ws = new WebSocket(info.origin);
  attachServer(ws, socket, head, info);
  return ws;
}
