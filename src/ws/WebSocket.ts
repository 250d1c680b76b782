/**
 * ws's WebSocket over the core's Endpoint: the client (`new WebSocket(url, protocols, options)`)
 * and the server-side socket a WebSocketServer hands out are this one class, with ws's events,
 * methods, properties, errors and argument rules (its doc/ws.md). The protocol is the core's.
 * @module
 */
import { EventEmitter } from 'node:events';
import type { Http2Stream } from 'node:http2';
import type { Socket } from 'node:net';
import { Endpoint } from '../core/endpoint';
import { lightenListeners } from '../core/listenerTable';
import type { UpgradeAnswer } from '../core/clientConnect';
import type { DeflateSetting } from '../core/request';
import { isSendableCloseCode } from '../protocol/closeFrame';
import { DEFAULT_WRITE_LIMITS } from '../transport/connectionBase';
import type { TransportSocket } from '../transport/openConnection';
import { CloseCode, Limits } from '../codec/constants';
import type { TopicHub } from '../core/topicHub';
import type { SharedCompressor } from '../core/topics';
import { InvalidStateError } from '../errors';
import { BINARY_TYPES, CLOSED, CLOSING, CONNECTING, OPEN, READY_STATE_NAMES, defineReadyStates, protocolErrorOf, type BinaryType } from './constants';
import { bytesOrBlob, publishMessageOf, sizeOf, type PublishOptions, type Sendable } from './data';
import { addEventListener, defineEventAttributes, removeEventListener, type EventListenerLike } from './eventTarget';
import { ClientRequestFlow, type ClientOptions } from './clientRequest';
import { connectionSettingsOf, type ConnectionSettings } from './options';
import { WsSocketEvents, grantWsLifecycle } from './socketEvents';
import { grantServerSocketHooks, type ServerSocketInfo } from './serverSocket';
import type { WebSocketServer } from './WebSocketServer';
import type { createWebSocketStream } from './stream';
import type { SendOptions, WebSocketEventMap } from './socketTypes';

export type { ClientOptions } from './clientRequest';
export type { SendOptions, WebSocketEventMap } from './socketTypes';

type Callback = (err?: Error) => void;
const EMPTY = Buffer.alloc(0);

// a socket's yes/no state, as bits of one number (a field per flag costs 8 bytes per idle connection)
const IS_SERVER = 1;
/** pause() was called (isPaused). */
const PAUSED = 2;
/** Held events wait (allowSynchronousEvents false): reading stops until they are out. */
const HELD = 4;
/** The close handshake completed (the close event's wasClean). */
const CLEAN = 8;
const ERROR_EMITTED = 16;
/** binaryType, as its index in BINARY_TYPES, in the bits from here (no field per socket) */
const BINARY_TYPE_SHIFT = 5;
const BINARY_TYPE_MASK = 3 << BINARY_TYPE_SHIFT;

/** A server-side socket's settings until its server's replace them (see the constructor). */
const SERVER_SIDE_SETTINGS = connectionSettingsOf({});

/** How a socket ended, made when the peer's close or a send after closing first needs it. */
interface Ending {
  /** The peer's close code and reason (1006 and none until a close frame came). */
  code: number;
  reason: Buffer;
  /** Bytes given to send() while not open (ws counts them in bufferedAmount). */
  unsent: number;
}

/** See the module comment. */
export class WebSocket extends EventEmitter<WebSocketEventMap> {
  // the ready states: read-only, enumerable data properties of the class and its prototype, as
  // ws defines them (see the static block)
  /** The connection is not yet open. */
  declare static readonly CONNECTING: typeof CONNECTING;
  /** The connection is open and ready to communicate. */
  declare static readonly OPEN: typeof OPEN;
  /** The connection is in the process of closing. */
  declare static readonly CLOSING: typeof CLOSING;
  /** The connection is closed. */
  declare static readonly CLOSED: typeof CLOSED;
  declare readonly CONNECTING: typeof CONNECTING;
  declare readonly OPEN: typeof OPEN;
  declare readonly CLOSING: typeof CLOSING;
  declare readonly CLOSED: typeof CLOSED;
  // set by the package entry (qwebsocket/ws), as ws's require('ws').Server and friends
  /** This class (ws's `require('ws').WebSocket`). */
  declare static WebSocket: typeof WebSocket;
  /** The server class. */
  declare static WebSocketServer: typeof WebSocketServer;
  /** The server class under ws's older name. */
  declare static Server: typeof WebSocketServer;
  declare static createWebSocketStream: typeof createWebSocketStream;

  #readyState: number = CONNECTING;
  #endpoint: Endpoint | null = null;
  #events: WsSocketEvents<WebSocket> | null = null;
  /** IS_SERVER, PAUSED, … (see above) */
  #flags: number;
  #protocol = '';
  #extensions = '';
  #url: string | undefined = undefined;
  /** See {@link Ending}; null until needed. */
  #ending: Ending | null = null;
  #settings: ConnectionSettings;
  #client: ClientRequestFlow | null = null;
  #onClose: ((ws: WebSocket) => void) | null = null;
  /** Server side: the server's topics; null on client sockets. */
  #topics: TopicHub<WebSocket> | null = null;

  static {
    defineReadyStates(this);
    defineEventAttributes(this.prototype);
    grantServerSocketHooks({
      attach: (ws, socket, info) => WebSocket.#attach(ws, socket, info),
      startReading: (ws, head) => ws.#endpoint?.start(head.length > 0 ? head : null),
      sendShared: (ws, frames) => ws.#readyState === OPEN && ws.#endpoint !== null && ws.#endpoint.sendShared(frames),
      sharedCompressor: (ws) => (ws.#endpoint?.sharedCompressor ?? null) as SharedCompressor | null,
      nativeId: (ws) => ws.#endpoint?.ioShareId ?? -1,
    });
    grantWsLifecycle<WebSocket>({
      peerClosed: (ws, code, reason) => WebSocket.#peerClosed(ws, code, reason),
      failed: (ws, code, reason) => WebSocket.#failed(ws, code, reason),
      sendFailed: (ws, err) => WebSocket.#emitErrorOnce(ws, err),
      closed: (ws, closeReceived, closeSent) => WebSocket.#closed(ws, closeReceived, closeSent),
      hold: (ws, on) => WebSocket.#hold(ws, on),
    });
    // ws's attributes are enumerable accessors (class accessors are not)
    for (const name of ['binaryType', 'bufferedAmount', 'extensions', 'isPaused', 'protocol', 'readyState', 'url']) {
      Object.defineProperty(this.prototype, name, { enumerable: true });
    }
  }

  /**
   * A client connecting to `address` (ws://, wss://, http://, https:// or ws+unix:), or — with
   * `address` null — a server-side socket (made by WebSocketServer).
   * @param protocols subprotocols to offer (or the options, as ws allows)
   * @throws SyntaxError for a bad URL or subprotocol; RangeError for an unsupported protocolVersion
   */
  constructor(address: string | URL | null, protocols?: string | string[] | ClientOptions, options?: ClientOptions) {
    super();
    lightenListeners(this);
    let list: string[] = [];
    let opts: ClientOptions = options ?? {};
    if (Array.isArray(protocols)) list = protocols;
    else if (typeof protocols === 'object' && protocols !== null) opts = protocols;
    else if (protocols !== undefined) list = [protocols];
    // (a server-side socket gets its server's settings when attached: none are made per connection)
    this.#settings = address === null ? SERVER_SIDE_SETTINGS : connectionSettingsOf(opts);
    this.#flags = address === null ? IS_SERVER : 0;
    if (address === null) return;
    const ws = this;
    this.#client = new ClientRequestFlow(
      {
        emitter: this,
        get connecting(): boolean {
          return ws.#readyState === CONNECTING;
        },
        setUrl: (url) => (this.#url = url),
        failed: (err) => WebSocket.#handshakeFailed(this, err),
        opened: (socket, head, answer) => WebSocket.#opened(this, socket, head, answer),
      },
      address,
      list,
      opts,
    );
  }

  // ---- properties ------------------------------------------------------------------------

  /** CONNECTING, OPEN, CLOSING or CLOSED. */
  get readyState(): number {
    return this.#readyState;
  }
  /** How binary messages are handed out: 'nodebuffer' (default), 'arraybuffer', 'fragments' or 'blob'. */
  get binaryType(): BinaryType {
    return BINARY_TYPES[(this.#flags & BINARY_TYPE_MASK) >> BINARY_TYPE_SHIFT];
  }
  set binaryType(type: BinaryType) {
    const i = BINARY_TYPES.indexOf(type);
    if (i < 0) return;
    this.#flags = (this.#flags & ~BINARY_TYPE_MASK) | (i << BINARY_TYPE_SHIFT);
    if (this.#events !== null) this.#events.binaryType = type;
  }
  /** Bytes queued by send() and not yet handed to the network, framing included. */
  get bufferedAmount(): number {
    return (this.#endpoint?.bytesToWrite ?? 0) + (this.#ending?.unsent ?? 0);
  }
  /** The negotiated extensions' names ('permessage-deflate' or ''). */
  get extensions(): string {
    return this.#extensions;
  }
  /** True while paused by pause(). */
  get isPaused(): boolean {
    return (this.#flags & PAUSED) !== 0;
  }
  /** The subprotocol the server selected ('' for none). */
  get protocol(): string {
    return this.#protocol;
  }
  /** The URL connected to (client sockets only). */
  get url(): string | undefined {
    return this.#url;
  }
  /** True once both close frames were exchanged (CloseEvent.wasClean). */
  get cleanClose(): boolean {
    return (this.#flags & CLEAN) !== 0;
  }

  // ---- EventTarget interface (see eventTarget) -------------------------------------------

  addEventListener(type: string, listener: EventListenerLike, options?: { once?: boolean }): void {
    addEventListener(this, type, listener, options);
  }
  removeEventListener(type: string, listener: EventListenerLike): void {
    removeEventListener(this, type, listener);
  }
  // the on<event> attributes, defined on the prototype (see the static block)
  declare onopen: EventListenerLike | null;
  declare onmessage: EventListenerLike | null;
  declare onclose: EventListenerLike | null;
  declare onerror: EventListenerLike | null;

  // ---- sending ---------------------------------------------------------------------------

  /**
   * Sends a message (or, with `fin: false`, a fragment of one). `cb(err)` is called once the
   * data is written out, or with an error when it cannot be. A Blob is read first (binary by
   * default); what is sent after it waits for it, and if it cannot be read, 'error' follows.
   * @throws Error while CONNECTING; TypeError for data Buffer.from does not take
   */
  send(data: Sendable, options?: SendOptions | Callback, cb?: Callback): void {
    if (typeof options === 'function') {
      cb = options;
      options = undefined;
    }
    WebSocket.#notConnecting(this);
    const ep = this.#endpoint;
    if (this.#readyState !== OPEN || ep === null) {
      WebSocket.#sendAfterClose(this, data, cb);
      return;
    }
    const o = options ?? {};
    const isString = typeof data === 'string';
    const binary = o.binary ?? (!isString && typeof data !== 'number');
    const fin = o.fin !== false;
    const compress = o.compress !== false;
    if (isString && !binary && fin && compress) ep.sendText(data as string);
    else if (Buffer.isBuffer(data)) ep.sendBytes(data, !binary, fin, compress);
    else {
      // a Blob is read first; what is sent after it waits for it (core/sendQueue)
      const bytes = bytesOrBlob(data);
      if (bytes instanceof Blob) ep.sendLater(bytes, { kind: 'message', text: !binary, fin, compress });
      else ep.sendBytes(bytes, !binary, fin, compress);
    }
    if (cb !== undefined) WebSocket.#whenWritten(this, ep, cb);
  }

  /**
   * Sends a ping (at most 125 bytes; a Blob as in send()). `cb` as for send().
   * @throws Error while CONNECTING; RangeError for more than 125 bytes
   */
  ping(data?: Sendable | Callback, mask?: boolean | Callback, cb?: Callback): void {
    WebSocket.#control(this, true, data, mask, cb);
  }

  /** Sends a pong (an unsolicited one is a heartbeat); as ping(). */
  pong(data?: Sendable | Callback, mask?: boolean | Callback, cb?: Callback): void {
    WebSocket.#control(this, false, data, mask, cb);
  }

  // The private helpers are static, taking the socket: an instance #method would give every
  // socket a hidden 8-byte brand (see cd98ea8).
  static #control(self: WebSocket, ping: boolean, data: Sendable | Callback | undefined, mask: boolean | Callback | undefined, cb: Callback | undefined): void {
    WebSocket.#notConnecting(self);
    if (typeof data === 'function') {
      cb = data as Callback;
      data = undefined;
    } else if (typeof mask === 'function') {
      cb = mask as Callback;
    }
    const ep = self.#endpoint;
    if (self.#readyState !== OPEN || ep === null) {
      WebSocket.#sendAfterClose(self, data, cb);
      return;
    }
    const payload = data === undefined ? EMPTY : bytesOrBlob(data);
    if (sizeOf(payload) > Limits.MAX_CONTROL_PAYLOAD) throw new RangeError('The data size must not be greater than 125 bytes');
    if (payload instanceof Blob) ep.sendLater(payload, { kind: ping ? 'ping' : 'pong' });
    else if (ping) ep.sendPing(payload);
    else ep.sendPong(payload);
    if (cb !== undefined) WebSocket.#whenWritten(self, ep, cb);
  }

  static #notConnecting(self: WebSocket): void {
    if (self.#readyState === CONNECTING) throw new Error('WebSocket is not open: readyState 0 (CONNECTING)');
  }

  static #whenWritten(self: WebSocket, ep: Endpoint, cb: Callback): void {
    // refused by the unsent-bytes cap: the connection is failing (see README)
    if (ep.closeSent && self.#readyState === OPEN) process.nextTick(cb, new Error('WebSocket is not open: too much unsent data'));
    else ep.whenWritten(cb);
  }

  static #sendAfterClose(self: WebSocket, data: Sendable | undefined, cb: Callback | undefined): void {
    if (data !== undefined) WebSocket.#end(self).unsent += sizeOf(bytesOrBlob(data));
    if (cb !== undefined) process.nextTick(cb, new Error(`WebSocket is not open: readyState ${self.#readyState} (${READY_STATE_NAMES[self.#readyState]})`));
  }

  // ---- topics (an addition to ws: see core/topics) ---------------------------------------

  static #hub(self: WebSocket): TopicHub<WebSocket> {
    if (self.#topics === null) throw new InvalidStateError('Topics are for sockets accepted by a WebSocketServer');
    return self.#topics;
  }
  /**
   * Subscribes this socket to a topic: it receives every later publish on it, from this server
   * or (with a broker) any other. Not in ws.
   * @returns true when newly subscribed; false when it already was or is not open
   * @throws InvalidArgumentError for a bad topic; InvalidStateError on a client socket
   */
  subscribe(topic: string): boolean {
    const hub = WebSocket.#hub(this);
    return this.#readyState === OPEN && hub.registry.subscribe(this, topic);
  }
  /**
   * Leaves a topic. Not in ws. @returns true when it was subscribed
   * @throws InvalidArgumentError for a bad topic; InvalidStateError on a client socket
   */
  unsubscribe(topic: string): boolean {
    return WebSocket.#hub(this).registry.unsubscribe(this, topic);
  }
  /** True when this socket is subscribed to the topic (false on a client socket). Not in ws. */
  isSubscribed(topic: string): boolean {
    return this.#topics?.registry.isSubscribed(this, topic) ?? false;
  }
  /** The topics this socket is subscribed to, in subscription order. Not in ws. */
  subscriptions(): string[] {
    return this.#topics?.registry.subscriptions(this) ?? [];
  }
  /**
   * Publishes a message (data and options as send's) to every subscriber of the topic but this
   * socket, here and through the server's broker. Not in ws.
   * @returns the number of local subscribers it was queued on
   * @throws InvalidArgumentError for a bad topic or message; InvalidStateError on a client socket
   */
  publish(topic: string, data: Sendable, options?: PublishOptions): number {
    return WebSocket.#hub(this).publishMessage(topic, publishMessageOf(data, options), undefined, this);
  }

  // ---- closing ---------------------------------------------------------------------------

  /**
   * Starts the closing handshake (no code: an empty close frame). While connecting, the
   * handshake is aborted ('error' and 'close' follow).
   * @throws TypeError for a code that may not be sent; RangeError for a reason over 123 bytes
   */
  close(code?: number, reason?: string | Buffer): void {
    if (this.#readyState === CLOSED) return;
    if (this.#readyState === CONNECTING) {
      WebSocket.#abortHandshake(this, 'WebSocket was closed before the connection was established');
      return;
    }
    if (this.#readyState === CLOSING) return; // the endpoint finishes the handshake (or times out)
    if (code !== undefined && (typeof code !== 'number' || !isSendableCloseCode(code))) throw new TypeError('First argument must be a valid error code number');
    const text = code === undefined || reason === undefined ? '' : typeof reason === 'string' ? reason : Buffer.from(reason).toString('utf8');
    if (Buffer.byteLength(text) > Limits.MAX_CLOSE_REASON) throw new RangeError('The message must not be greater than 123 bytes');
    this.#readyState = CLOSING;
    (this.#endpoint as Endpoint).close(code ?? 1005, text);
  }

  /** Closes the connection now, without the closing handshake ('close' with 1006 follows). */
  terminate(): void {
    if (this.#readyState === CLOSED) return;
    if (this.#readyState === CONNECTING) {
      WebSocket.#abortHandshake(this, 'WebSocket was closed before the connection was established');
      return;
    }
    this.#readyState = CLOSING;
    this.#endpoint?.destroy(true);
  }

  /** Stops reading from the peer (no more events once what was read is out). */
  pause(): void {
    if (this.#readyState === CONNECTING || this.#readyState === CLOSED) return;
    this.#flags |= PAUSED;
    this.#endpoint?.pauseReading(true);
  }

  /** Reads from the peer again. */
  resume(): void {
    if (this.#readyState === CONNECTING || this.#readyState === CLOSED) return;
    this.#flags &= ~PAUSED;
    if ((this.#flags & HELD) === 0) this.#endpoint?.pauseReading(false);
  }

  // ---- the connection (client handshake, server attach, endpoint reports) ----------------

  static #abortHandshake(self: WebSocket, message: string): void {
    self.#readyState = CLOSING;
    self.#client?.abort(message);
  }

  static #handshakeFailed(self: WebSocket, err: Error): void {
    if (self.#readyState === CLOSED) return;
    self.#readyState = CLOSING;
    self.#flags |= ERROR_EMITTED;
    self.emit('error', err);
    self.#readyState = CLOSED;
    WebSocket.#emitClose(self);
  }

  static #end(self: WebSocket): Ending {
    return (self.#ending ??= { code: CloseCode.CloseCodeAbnormalDisconnection, reason: EMPTY, unsent: 0 });
  }

  /** 'close' with the peer's code and reason (1006 and none when it sent no close frame). */
  static #emitClose(self: WebSocket): void {
    const e = self.#ending;
    self.emit('close', e?.code ?? CloseCode.CloseCodeAbnormalDisconnection, e?.reason ?? EMPTY);
  }

  static #opened(self: WebSocket, socket: Socket | Http2Stream, head: Buffer, answer: UpgradeAnswer): void {
    self.#protocol = answer.subprotocol;
    self.#extensions = answer.deflate !== null ? 'permessage-deflate' : '';
    WebSocket.#start(self, socket, answer.deflate);
    self.#endpoint?.start(head.length > 0 ? head : null);
  }

  static #attach(self: WebSocket, socket: TransportSocket, info: ServerSocketInfo): void {
    self.#settings = info.settings;
    self.#protocol = info.protocol;
    self.#extensions = info.extensions;
    self.#onClose = info.onClose;
    self.#topics = info.topics;
    WebSocket.#start(self, socket, info.deflate);
  }

  static #start(self: WebSocket, socket: TransportSocket, deflate: DeflateSetting | null): void {
    const s = self.#settings;
    // as ws: no Nagle delay (the native transport keeps the descriptor's setting)
    (socket as Partial<Socket>).setNoDelay?.(true);
    const events = new WsSocketEvents<WebSocket>(self, s.allowSynchronousEvents);
    events.binaryType = self.binaryType;
    const ep = new Endpoint(socket, events, {
      server: (self.#flags & IS_SERVER) !== 0,
      maxFrameSize: s.maxFrameSize,
      maxMessageSize: s.maxMessageSize,
      outgoingFrameSize: Limits.DEFAULT_OUTGOING_FRAME_SIZE,
      readBufferSize: 0,
      deflate,
      maskSource: (self.#flags & IS_SERVER) !== 0 ? null : s.maskSource,
      writeLimits: DEFAULT_WRITE_LIMITS,
    });
    if (!s.autoPong) ep.setAutoPong(false);
    ep.setCloseTimeout(s.closeTimeout);
    self.#events = events;
    self.#endpoint = ep;
    self.#readyState = OPEN;
    self.emit('open');
  }

  static #peerClosed(self: WebSocket, code: number, reason: string): void {
    const e = WebSocket.#end(self);
    e.code = code;
    e.reason = reason === '' ? EMPTY : Buffer.from(reason, 'utf8');
    if (self.#readyState === OPEN) self.#readyState = CLOSING;
  }

  static #failed(self: WebSocket, code: number, reason: string): void {
    WebSocket.#emitErrorOnce(self, protocolErrorOf(code, reason));
  }

  /** The connection is failing (our close frame is queued): 'error' once, then 'close' follows. */
  static #emitErrorOnce(self: WebSocket, err: Error): void {
    if (self.#readyState === OPEN) self.#readyState = CLOSING;
    if ((self.#flags & ERROR_EMITTED) !== 0) return;
    self.#flags |= ERROR_EMITTED;
    self.emit('error', err);
  }

  static #closed(self: WebSocket, closeReceived: boolean, closeSent: boolean): void {
    if (closeReceived && closeSent) self.#flags |= CLEAN;
    self.#endpoint = null;
    self.#events = null;
    self.#readyState = CLOSED;
    self.#topics?.registry.leaveAll(self);
    const onClose = self.#onClose;
    self.#onClose = null;
    onClose?.(self);
    WebSocket.#emitClose(self);
  }

  static #hold(self: WebSocket, on: boolean): void {
    self.#flags = on ? self.#flags | HELD : self.#flags & ~HELD;
    if (on) self.#endpoint?.pauseReading(true);
    else if ((self.#flags & PAUSED) === 0) self.#endpoint?.pauseReading(false);
  }
}
