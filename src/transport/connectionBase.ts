/**
 * What every transport does the same way for one {@link Session}: writes everything the session
 * queued in one go after each read or at the end of the tick, limits reading per event-loop turn
 * (readBufferSize), caps unsent bytes (write cap: close with 1008 or pause reading until drained),
 * and runs the close timeout on a shared timer queue. The socket itself — Node's `net.Socket`
 * ({@link Connection}) or the addon's native transport (NativeConnection) — is behind a few
 * abstract members.
 * @module
 */
import { Session, type FlushRequester, type SessionHandler, type SessionOptions } from '../protocol/session';
import { Timeouts } from '../protocol/constants';
import { timerQueue, type TimerEntry, type TimerQueue } from './timerQueue';

/** Socket-level events a connection reports to its owner. */
export interface ConnectionEvents {
  /** True when someone listens to bytesWritten (write callbacks cost, so only then). */
  readonly wantsBytesWritten: boolean;
  onBytesWritten(bytes: number): void;
  /** The peer ended its side (TCP FIN). */
  onReadFinished(): void;
  /** The socket is fully closed. */
  onClosed(hadError: boolean): void;
  onSocketError(err: Error): void;
}

/** See the module comment. */
export abstract class ConnectionBase implements FlushRequester {
  readonly session: Session;
  protected readonly events: ConnectionEvents;
  #closeTimer: TimerEntry | null = null;
  #closeQueue: TimerQueue = timerQueue(Timeouts.CLOSE_MS);
  #flushScheduled = false;
  #readBufferSize = 0;
  #readThisTurn = 0;
  #paused = false;
  #writeCap = 0;
  #capPolicy: 'close' | 'pause' = 'close';
  #capPaused = false;

  constructor(handler: SessionHandler, events: ConnectionEvents, options: SessionOptions) {
    this.events = events;
    this.session = new Session(handler, options, this);
  }

  // ---- the socket --------------------------------------------------------------------------

  /** True once the socket is destroyed or closed. */
  protected abstract get socketGone(): boolean;
  /** True while bytes can still be written (not destroyed, our side not ended). */
  protected abstract get socketWritable(): boolean;
  /** Bytes handed to the socket but not yet to the kernel. */
  protected abstract get socketBacklog(): number;
  /** Writes the buffers in order; `written` (when given) gets the byte count once they are out. */
  protected abstract writeOut(q: Buffer[], written: ((bytes: number) => void) | null): void;
  protected abstract setReading(on: boolean): void;
  /** Calls `fn` once when the socket's backlog has drained. */
  protected abstract onceDrained(fn: () => void): void;
  /** Half-closes after the queued bytes. */
  protected abstract endSocket(): void;
  protected abstract destroySocket(): void;
  abstract get localAddress(): string;
  abstract get localPort(): number;
  abstract get remoteAddress(): string;
  abstract get remotePort(): number;

  // ---- reading -----------------------------------------------------------------------------

  /** Processes bytes that arrived with the handshake, then starts reading. */
  abstract start(head: Buffer | null): void;

  /**
   * After the session dispatched `bytes` read from the socket: writes the replies and applies
   * the read budget.
   */
  protected afterRead(bytes: number): void {
    this.flush();
    if (this.#readBufferSize > 0) {
      // readBufferSize: at most that many bytes are read per event-loop turn; the rest stays in
      // the kernel (TCP backpressure) until the handlers of this turn have run
      this.#readThisTurn += bytes;
      if (this.#readThisTurn >= this.#readBufferSize && !this.#paused && !this.socketGone) {
        this.#paused = true;
        this.setReading(false);
        setImmediate(() => {
          this.#paused = false;
          this.#readThisTurn = 0;
          this.#resumeIfFree();
        });
      }
    }
  }

  /** Resumes reading unless the other pause (read budget or write cap) still holds. */
  #resumeIfFree(): void {
    if (!this.#paused && !this.#capPaused && !this.socketGone) this.setReading(true);
  }

  /** Sets the per-turn read budget (0 = unlimited). */
  setReadBufferSize(size: number): void {
    this.#readBufferSize = size;
  }

  /** The peer ended its side: reported, and ours is closed too. */
  protected peerEndedSocket(): void {
    this.events.onReadFinished();
    if (!this.socketGone && this.socketWritable) this.end();
  }

  /** The socket is fully closed. */
  protected socketClosed(hadError: boolean): void {
    this.#cancelCloseTimer();
    this.session.dispose();
    this.events.onClosed(hadError);
  }

  // ---- writing -----------------------------------------------------------------------------

  /** @internal the session queued output outside a receive */
  requestFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    process.nextTick(() => {
      this.#flushScheduled = false;
      this.flush();
    });
  }

  /**
   * Writes everything queued in one go.
   * @returns true when anything was handed to the socket
   */
  flush(): boolean {
    const q = this.session.outbox.take();
    this.session.flushed();
    if (q === null || !this.socketWritable) return false;
    const ev = this.events;
    this.writeOut(q, ev.wantsBytesWritten ? (n) => ev.onBytesWritten(n) : null);
    if (this.#writeCap !== 0) this.#checkCap();
    return true;
  }

  /**
   * Caps the bytes waiting in the socket (0 = no cap). Over the cap, 'close' fails the connection
   * with 1008 (RFC 6455 §7.4.1 policy violation) and 'pause' stops reading from the peer until
   * the socket has drained: a slow reader cannot make us buffer without bound.
   */
  setWriteCap(maxBytes: number, policy: 'close' | 'pause'): void {
    this.#writeCap = maxBytes;
    this.#capPolicy = policy;
  }

  #checkCap(): void {
    if (this.#writeCap === 0 || this.socketBacklog <= this.#writeCap) return;
    if (this.#capPolicy === 'close') {
      this.#writeCap = 0;
      // the close frame queues behind the backlog; the close timeout destroys the socket if the
      // peer never reads it. Nothing more is accepted for sending meanwhile.
      this.session.fail(1008, 'Too much unread data');
    } else if (!this.#capPaused) {
      this.#capPaused = true;
      this.setReading(false);
      this.onceDrained(() => {
        this.#capPaused = false;
        this.#resumeIfFree();
      });
    }
  }

  /** Bytes queued but not yet handed to the kernel. */
  get bytesToWrite(): number {
    return this.session.outbox.bytes + this.socketBacklog;
  }

  // ---- closing -----------------------------------------------------------------------------

  /** Flushes, half-closes our side, and destroys the socket if the peer has not closed in time. */
  end(): void {
    this.flush();
    if (!this.socketGone) this.endSocket();
    this.armCloseTimer();
  }

  /** Destroys the socket if it is still open when the close timeout fires (RFC 6455 §7.1.1). */
  armCloseTimer(): void {
    if (this.#closeTimer !== null || this.socketGone) return;
    this.#closeTimer = this.#closeQueue.add(() => {
      this.#closeTimer = null;
      this.destroySocket();
    });
  }

  /** Uses another close timeout (ms). */
  setCloseTimeout(ms: number): void {
    this.#cancelCloseTimer();
    this.#closeQueue = timerQueue(ms);
  }

  #cancelCloseTimer(): void {
    if (this.#closeTimer !== null) {
      this.#closeQueue.cancel(this.#closeTimer);
      this.#closeTimer = null;
    }
  }

  /** Drops queued output and destroys the socket now. */
  destroy(): void {
    this.session.stop();
    this.#cancelCloseTimer();
    this.destroySocket();
  }
}
