/**
 * The face-neutral endpoint: one object per open connection, wrapped by a face (the Qt face's
 * WebSocket, the ws face's WebSocket). It owns the transport {@link Connection} and its protocol
 * {@link Session}, runs the close rules that are the same for every face (RFC 6455 §7.1: who
 * closes TCP first, the close timeout, failing the connection), and reports everything to the
 * face through one internal {@link EndpointEvents} object — never through public methods. The
 * transport under it is the native one where it runs, else a `net.Socket` or an HTTP/2 stream
 * (transport/openConnection).
 * @module
 */
import type { SessionHandler, MaskSource } from '../protocol/session';
import { closePayload } from '../protocol/closeFrame';
import { CloseCode, Limits } from '../codec/constants';
import type { ConnectionBase, ConnectionEvents, WriteLimits } from '../transport/connectionBase';
import { openConnection, type TransportSocket } from '../transport/openConnection';
import type { MessageCompressor } from '../protocol/permessageDeflate';
import { PerMessageDeflate } from '../transport/deflate';
import type { DeflateSetting } from './request';
import { HeldReports } from './heldReports';
import { SendQueue, type LateBytes, type QueueHost } from './sendQueue';
import { queuedSend, type QueuedSend } from './queuedSend';

export type { LateBytes } from './sendQueue';

/**
 * What the endpoint reports to its face; called synchronously. A face implements it on a small
 * internal object (not on its public class), so none of these names reach a face's `.d.ts`.
 */
export interface EndpointEvents extends SessionHandler, Omit<ConnectionEvents, 'onClosed'> {
  // onTextBytes (optional in SessionHandler): when the face has it, text messages arrive as
  // bytes there instead of as strings in onTextMessage
  // from SessionHandler: onPeerClose comes after our answer is queued; after it returns the
  // endpoint closes TCP (server) or waits for the peer to (client). onProtocolError: our close
  // frame is queued and TCP is being closed.
  /** The socket is closed. `lostError` is the socket error that ended it, if any. */
  onClosed(closeReceived: boolean, closeSent: boolean, lostError: Error | null): void;
  /**
   * The bytes of a message given to {@link Endpoint.sendLater} could not be read (`err` is the
   * source's error): the connection is failing, our close frame (1011) is queued. Only a face
   * that sends such messages (the ws face's Blobs) has it.
   */
  onSendFailed?(err: Error): void;
}

/** What a message whose bytes are read later is sent as (see {@link Endpoint.sendLater}). */
export type LateSend = { kind: 'message'; text: boolean; fin: boolean; compress: boolean } | { kind: 'ping' } | { kind: 'pong' };

/** How an endpoint starts. */
export interface EndpointOptions {
  /** Server side: expects masked frames, sends unmasked ones. */
  server: boolean;
  maxFrameSize: number;
  maxMessageSize: number;
  outgoingFrameSize: number;
  /** Bytes read per event-loop turn at most (0 = unlimited). */
  readBufferSize: number;
  /** permessage-deflate as negotiated, or null. */
  deflate: DeflateSetting | null;
  /** Client side: a mask-key source other than the default pool, or null. */
  maskSource: MaskSource | null;
  /** Cap on unsent bytes and the drained watermarks (see transport/connection). */
  writeLimits: WriteLimits;
}

// The endpoint's yes/no state, as bits of one number (a field per flag costs 8 bytes per idle connection)
const SERVER = 1;
/** Nothing more is reported (destroyed by the face, or closed and reported). */
const DESTROYED = 2;
/** Destroyed by the face (abort): nothing more is reported. */
const ABORTED = 4;

/** See the module comment. Its helpers are TS `private`, not `#`: `#` methods cost every instance 8 bytes (a brand). */
export class Endpoint implements SessionHandler, ConnectionEvents {
  readonly #conn: ConnectionBase;
  readonly #events: EndpointEvents;
  /** SERVER, DESTROYED, ABORTED (see above) */
  #flags: number;
  #lostError: Error | null = null;
  /** Reports kept until the face's user has the connection (see {@link hold}). */
  #held: HeldReports | null = null;
  /** Sends waiting behind a message whose bytes are being read ({@link sendLater}); null when none is. */
  #queue: SendQueue | null = null;

  /** Binds `socket`; call {@link start} to process bytes. */
  constructor(socket: TransportSocket, events: EndpointEvents, options: EndpointOptions) {
    this.#events = events;
    this.#flags = options.server ? SERVER : 0;
    const d = options.deflate;
    this.#conn = openConnection(socket, this, this, {
      server: options.server,
      maxFrameSize: options.maxFrameSize,
      maxMessageSize: options.maxMessageSize,
      outgoingFrameSize: options.outgoingFrameSize,
      now: Date.now,
      compressor: d === null ? null : new PerMessageDeflate(d.agreement, d.options, { server: options.server, maxMessageSize: options.maxMessageSize }),
      textAsBytes: events.onTextBytes !== undefined,
    }, options.writeLimits);
    if (options.maskSource !== null) this.#conn.session.setMaskSource(options.maskSource);
    this.#conn.setReadBufferSize(options.readBufferSize);
  }

  /**
   * Checks a close code and reason before anything changes.
   * @throws InvalidArgumentError for a code that may not be sent (RFC 6455 §7.4.1)
   */
  static checkClose(code: number, reason: string): void {
    closePayload(code, reason);
  }

  /** Processes bytes that came with the handshake, then reads the socket. */
  start(head: Buffer | null): void {
    this.#conn.start(head);
  }

  /**
   * Keeps the data reports (messages, frames, pongs, the peer's close, the end of reading) from
   * the face until {@link release}: a server connection is read before its user can listen
   * (see core/heldReports). Above {@link Limits.MAX_HELD_BYTES} of payload, reading pauses.
   * Call before {@link start}.
   */
  hold(): void {
    this.#held ??= new HeldReports();
  }

  /** The user has the connection: the kept reports follow on the next tick, in order. */
  release(): void {
    const held = this.#held;
    if (held === null || held.released) return;
    if (held.empty) {
      // nothing kept: what comes next goes straight to the face (no tick, no closure per connection)
      this.#held = null;
      this.#conn.holdReading(false);
      return;
    }
    held.released = true;
    process.nextTick(() => this.replay());
  }

  private replay(): void {
    const held = this.#held;
    if (held === null) return;
    this.#held = null;
    held.replay(this.#events, () => (this.#flags & ABORTED) !== 0);
    this.#conn.holdReading(false);
  }

  /** After a kept report (`bytes` now kept): reading pauses once they pass the bound. */
  private heldMore(bytes: number): void {
    if (bytes > Limits.MAX_HELD_BYTES) this.#conn.holdReading(true);
  }

  /** Local IP address of the connection. */
  get localAddress(): string {
    return this.#conn.localAddress;
  }
  get localPort(): number {
    return this.#conn.localPort;
  }
  /** The peer's IP address. */
  get remoteAddress(): string {
    return this.#conn.remoteAddress;
  }
  get remotePort(): number {
    return this.#conn.remotePort;
  }
  /** True once the peer's close frame arrived. */
  get closeReceived(): boolean {
    return this.#conn.session.closeReceived;
  }
  /** True once our close frame is queued. */
  get closeSent(): boolean {
    return this.#conn.session.closeSent;
  }
  /** Bytes queued but not yet handed to the kernel, and the payloads waiting behind a read ({@link sendLater}). */
  get bytesToWrite(): number {
    const q = this.#queue;
    return q === null ? this.#conn.bytesToWrite : this.#conn.bytesToWrite + q.bytes;
  }

  // ---- sending ---------------------------------------------------------------------------------
  // While a message's bytes are being read (sendLater), every send, close and write callback
  // waits its turn in #queue; otherwise it goes straight to the connection (one null check).
  // The closures for the queue are made in #enqueue only: a method holding one would allocate
  // its context on every call, queue or not.

  /**
   * Queues a text message through the write cap.
   * @returns payload bytes queued (0 after a close was sent, or refused by the cap)
   */
  sendText(message: string): number {
    const q = this.#queue;
    return q === null ? this.#conn.sendText(message) : this.enqueue(q, 'text', message);
  }
  /** As {@link sendText}, for binary messages. */
  sendBinary(data: Uint8Array): number {
    const q = this.#queue;
    return q === null ? this.#conn.sendBinary(data) : this.enqueue(q, 'binary', data);
  }
  /** Queues a message or a fragment given as bytes, through the write cap (see Session.sendBytes). */
  sendBytes(data: Buffer, text: boolean, fin: boolean, compress: boolean): number {
    const q = this.#queue;
    return q === null ? this.#conn.sendBytes(data, text, fin, compress) : this.enqueue(q, 'bytes', data, text, fin, compress);
  }
  /**
   * Queues a message (or fragment), ping or pong whose bytes are read from `source` (a Blob);
   * what is sent after it waits until it is out (see core/sendQueue). If the source cannot be
   * read the connection fails (1011) and the face hears of it in `onSendFailed`.
   */
  sendLater(source: LateBytes, as: LateSend): void {
    const conn = this.#conn;
    let q = this.#queue;
    if (q === null) {
      q = this.#queue = new SendQueue(this.queueHost());
      // a publish must wait in this queue too: not written by the native walk meanwhile
      conn.holdShared(true);
    }
    switch (as.kind) {
      case 'message':
        q.pushLate(source, (data) => conn.sendBytes(data, as.text, as.fin, as.compress));
        break;
      case 'ping':
        q.pushLate(source, (data) => conn.session.sendPing(data));
        break;
      case 'pong':
        q.pushLate(source, (data) => conn.session.sendPong(data));
        break;
    }
  }
  /** Queues a ping; the payload is clipped to 125 bytes (RFC 6455 §5.5). */
  sendPing(payload: Uint8Array): void {
    const q = this.#queue;
    if (q === null) this.#conn.session.sendPing(payload);
    else this.enqueue(q, 'ping', payload);
  }
  /** Queues a pong; the payload is clipped to 125 bytes. */
  sendPong(payload: Uint8Array): void {
    const q = this.#queue;
    if (q === null) this.#conn.session.sendPong(payload);
    else this.enqueue(q, 'pong', payload);
  }
  /** Calls `cb` once what is queued now is written, with an error if the connection closes first. */
  whenWritten(cb: (err?: Error) => void): void {
    const q = this.#queue;
    if (q === null) this.#conn.whenWritten(cb);
    else q.pushCallback(cb);
  }
  /** Queues frames encoded once for many server connections (broadcast), by reference, through the cap. */
  sendEncoded(frames: readonly Buffer[]): boolean {
    const q = this.#queue;
    return q === null ? this.#conn.sendEncoded(frames) : this.enqueue(q, 'encoded', frames) >= 0;
  }
  /** Queues a publish's shared frames (see Connection.sendShared). @returns true when queued */
  sendShared(frames: readonly Buffer[]): boolean {
    const q = this.#queue;
    return q === null ? this.#conn.sendShared(frames) : this.enqueue(q, 'shared', frames) >= 0;
  }

  /** Puts a send behind the message being read. @returns its payload bytes */
  private enqueue(q: SendQueue, kind: QueuedSend, data: string | Uint8Array | readonly Buffer[], text = false, fin = true, compress = true): number {
    const { bytes, send } = queuedSend(this.#conn, kind, data, text, fin, compress);
    q.push(bytes, send);
    return bytes;
  }

  /** What the send queue needs of this endpoint. */
  private queueHost(): QueueHost {
    const ep = this;
    const conn = this.#conn;
    return {
      get gone(): boolean {
        return (ep.#flags & (DESTROYED | ABORTED)) !== 0;
      },
      get closeSent(): boolean {
        return conn.session.closeSent;
      },
      whenWritten: (cb) => conn.whenWritten(cb),
      readFailed: (err) => this.sendFailed(err),
      emptied: () => {
        this.#queue = null;
        conn.holdShared(false);
      },
    };
  }

  /** A late message's bytes could not be read: fail the connection (RFC 6455 §7.1.7) with 1011. */
  private sendFailed(err: Error): void {
    const conn = this.#conn;
    conn.session.sendClose(CloseCode.CloseCodeBadOperation, 'Internal error');
    this.#events.onSendFailed?.(err);
    conn.end();
  }
  /** The connection's id for topics walked natively, or -1 (see ConnectionBase.ioShareId). */
  get ioShareId(): number {
    return this.#conn.ioShareId;
  }
  /** Something that decides how a publish reaches this connection changed (the face's bytesWritten listeners). */
  shareStateChanged(): void {
    this.#conn.shareStateChanged();
  }
  /** The compressor when it keeps no context between messages (a publish shares its output). */
  get sharedCompressor(): MessageCompressor | null {
    return this.#conn.session.sharedCompressor;
  }
  /** Writes queued data now. @returns true when anything was written */
  flush(): boolean {
    return this.#conn.flush();
  }

  /**
   * Starts the close handshake: queues our close frame, flushes, and destroys the socket if the
   * peer has not closed within the close timeout (RFC 6455 §7.1.1). Check the arguments first
   * with {@link Endpoint.checkClose}.
   */
  close(code: number, reason: string): void {
    const conn = this.#conn;
    const q = this.#queue;
    // behind a message being read the close frame waits its turn; the close timeout runs from now
    if (q === null) {
      conn.session.sendClose(code, reason);
      conn.flush();
    } else {
      q.push(0, () => {
        conn.session.sendClose(code, reason);
        conn.flush();
      });
    }
    conn.armCloseTimer();
  }

  /** Closes now, discarding queued output. No onClosed follows unless `report` is true. */
  destroy(report = false): void {
    this.#flags |= report ? ABORTED : DESTROYED | ABORTED;
    this.#conn.destroy();
  }

  // ---- settings ------------------------------------------------------------------------------

  /** Incoming frame and message size limits (larger ones close with 1009). */
  setLimits(maxFrameSize: number, maxMessageSize: number): void {
    this.#conn.session.decoder.setLimits(maxFrameSize, maxMessageSize);
    this.#conn.session.setMaxMessageSize(maxMessageSize);
  }
  setOutgoingFrameSize(size: number): void {
    this.#conn.session.setOutgoingFrameSize(size);
  }
  setReadBufferSize(size: number): void {
    this.#conn.setReadBufferSize(size);
  }
  /** Stops (true) or resumes reading from the peer. */
  pauseReading(paused: boolean): void {
    this.#conn.pauseReading(paused);
  }
  /** Answers pings automatically (the default), or not (the face may answer with sendPong). */
  setAutoPong(on: boolean): void {
    this.#conn.session.setAutoPong(on);
  }
  /** Milliseconds the close handshake may take before the socket is destroyed. */
  setCloseTimeout(ms: number): void {
    this.#conn.setCloseTimeout(ms);
  }
  /** Client side: mask keys from `source` (null: the default pool). */
  setMaskSource(source: MaskSource | null): void {
    if ((this.#flags & SERVER) === 0) this.#conn.session.setMaskSource(source);
  }
  /** Replaces the write limits (cap, policy, watermarks); they apply to the next send. */
  setWriteLimits(limits: WriteLimits): void {
    this.#conn.setWriteLimits(limits);
  }

  // ---- SessionHandler (called by the protocol layer) ---------------------------------------
  // (not tagged internal: declarations are built with stripInternal, and a stripped member of an
  // implemented interface would make endpoint.d.ts fail to typecheck; this class is internal anyway)

  get wantsFrames(): boolean {
    return this.#held !== null || this.#events.wantsFrames;
  }
  onTextFrame(frame: string, isLastFrame: boolean): void {
    const held = this.#held;
    if (held === null) this.#events.onTextFrame(frame, isLastFrame);
    else this.heldMore(held.textFrame(frame, isLastFrame));
  }
  onBinaryFrame(frame: Buffer, isLastFrame: boolean): void {
    const held = this.#held;
    if (held === null) this.#events.onBinaryFrame(frame, isLastFrame);
    else this.heldMore(held.binaryFrame(frame, isLastFrame));
  }
  onTextMessage(message: string): void {
    const held = this.#held;
    if (held === null) this.#events.onTextMessage(message);
    else this.heldMore(held.textMessage(message));
  }
  onTextBytes(message: Buffer): void {
    const held = this.#held;
    if (held === null) (this.#events.onTextBytes as (m: Buffer) => void)(message);
    else this.heldMore(held.textBytes(message));
  }
  onBinaryMessage(message: Buffer): void {
    const held = this.#held;
    if (held === null) this.#events.onBinaryMessage(message);
    else this.heldMore(held.binaryMessage(message));
  }
  onPing(payload: Buffer): void {
    // the session answers pings itself; no face reports them to a user before the hand-off
    if (this.#held === null) this.#events.onPing(payload);
  }
  onPong(elapsedMs: number, payload: Buffer): void {
    const held = this.#held;
    if (held === null) this.#events.onPong(elapsedMs, payload);
    else held.pong(elapsedMs, payload);
  }
  onPeerClose(code: number, reason: string): void {
    if (this.#held !== null) this.#held.peerClose(code, reason);
    else this.#events.onPeerClose(code, reason);
    if ((this.#flags & DESTROYED) !== 0) return; // aborted from the face's handler
    // RFC 6455 §7.1.1: the server closes TCP first; the client waits for it (with a timeout)
    if ((this.#flags & SERVER) !== 0) this.#conn.end();
    else {
      this.#conn.flush();
      this.#conn.armCloseTimer();
    }
  }
  onProtocolError(code: number, reason: string): void {
    if (this.#held !== null) this.#held.protocolError(code, reason);
    else this.#events.onProtocolError(code, reason);
    // RFC 6455 §7.1.7: fail the connection: close frame sent, then close TCP
    this.#conn.end();
  }

  // ---- ConnectionEvents (called by the transport) ------------------------------------------

  get wantsBytesWritten(): boolean {
    return this.#events.wantsBytesWritten;
  }
  onBytesWritten(bytes: number): void {
    this.#events.onBytesWritten(bytes);
  }
  onDrained(): void {
    this.#events.onDrained();
  }
  onReadFinished(): void {
    if (this.#held !== null) this.#held.readFinished();
    else this.#events.onReadFinished();
  }
  onSocketError(err: Error): void {
    this.#lostError = err;
    this.#events.onSocketError(err);
  }
  onClosed(_hadError: boolean): void {
    if ((this.#flags & DESTROYED) !== 0) return; // destroyed by the face: it has reported already
    this.#flags |= DESTROYED;
    const s = this.#conn.session;
    const held = this.#held;
    if (held !== null && held.released) {
      // handed over, its replay not yet run: the close comes after what was kept
      held.closed(s.closeReceived, s.closeSent, this.#lostError);
      return;
    }
    // gone before anyone had it: what was kept can never be seen
    this.#held = null;
    this.#events.onClosed(s.closeReceived, s.closeSent, this.#lostError);
  }
}
