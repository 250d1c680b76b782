/**
 * Binds one socket to one {@link Session}: feeds every socket chunk to the session in one call,
 * writes everything the session queued in one write (cork/writev) afterwards or at the end of
 * the tick, runs the close timeout on a shared timer queue, and reports socket events.
 * @module
 */
import type { Socket } from 'node:net';
import { Session, type FlushRequester, type SessionHandler, type SessionOptions } from '../protocol/session';
import { Timeouts } from '../codec/constants';
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

/** The connection a socket belongs to (listeners are shared functions, not closures per socket). */
const kConnection = Symbol('qwebsocket.connection');
type OwnedSocket = Socket & { [kConnection]?: Connection };

function onSocketData(this: OwnedSocket, chunk: Buffer): void {
  this[kConnection]?.receive(chunk);
}
function onSocketEnd(this: OwnedSocket): void {
  this[kConnection]?.peerEnded();
}
function onSocketError(this: OwnedSocket, err: Error): void {
  this[kConnection]?.socketError(err);
}
function onSocketClose(this: OwnedSocket, hadError: boolean): void {
  this[kConnection]?.closed(hadError);
}

/** See the module comment. */
export class Connection implements FlushRequester {
  readonly socket: Socket;
  readonly session: Session;
  #events: ConnectionEvents;
  #closeTimer: TimerEntry | null = null;
  #closeQueue: TimerQueue = timerQueue(Timeouts.CLOSE_MS);
  #flushScheduled = false;
  #readBufferSize = 0;
  #readThisTurn = 0;
  #paused = false;
  #writeCap = 0;
  #capPolicy: 'close' | 'pause' = 'close';
  #capPaused = false;

  constructor(socket: Socket, handler: SessionHandler, events: ConnectionEvents, options: SessionOptions) {
    this.socket = socket;
    this.#events = events;
    this.session = new Session(handler, options, this);
    socket.setNoDelay(true);
    (socket as OwnedSocket)[kConnection] = this;
    socket.on('data', onSocketData);
    socket.on('end', onSocketEnd);
    socket.on('error', onSocketError);
    socket.on('close', onSocketClose);
  }

  /** @internal socket 'data' */
  receive(chunk: Buffer): void {
    this.#onData(chunk);
  }
  /** @internal socket 'end' */
  peerEnded(): void {
    this.#events.onReadFinished();
    // the peer closed its side: close ours too (sockets from http servers allow half-open)
    const socket = this.socket;
    if (!socket.destroyed && socket.writable) this.end();
  }
  /** @internal socket 'error' */
  socketError(err: Error): void {
    this.#events.onSocketError(err);
  }
  /** @internal socket 'close' */
  closed(hadError: boolean): void {
    this.#cancelCloseTimer();
    this.session.dispose();
    this.#events.onClosed(hadError);
  }
  /** @internal the session queued output outside a receive */
  requestFlush(): void {
    this.#scheduleFlush();
  }

  /** Processes bytes that arrived with the handshake, then resumes the socket. */
  start(head: Buffer | null): void {
    if (head !== null && head.length > 0) this.#onData(head);
    this.socket.resume();
  }

  #onData(chunk: Buffer): void {
    if (this.socket.destroyed) return;
    this.session.receive(chunk);
    this.flush();
    if (this.#readBufferSize > 0) {
      // readBufferSize: at most that many bytes are read per event-loop turn; the rest stays in
      // the kernel (TCP backpressure) until the handlers of this turn have run
      this.#readThisTurn += chunk.length;
      if (this.#readThisTurn >= this.#readBufferSize && !this.#paused && !this.socket.destroyed) {
        this.#paused = true;
        this.socket.pause();
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
    if (!this.#paused && !this.#capPaused && !this.socket.destroyed) this.socket.resume();
  }

  /** Sets the per-turn read budget (0 = unlimited). */
  setReadBufferSize(size: number): void {
    this.#readBufferSize = size;
  }

  #scheduleFlush(): void {
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
    if (q === null) return false;
    const s = this.socket;
    if (s.destroyed || !s.writable) return false;
    const ev = this.#events;
    if (q.length === 1) {
      if (ev.wantsBytesWritten) {
        const n = q[0].length;
        s.write(q[0], () => ev.onBytesWritten(n));
      } else {
        s.write(q[0]);
      }
      if (this.#writeCap !== 0) this.#checkCap();
      return true;
    }
    s.cork();
    let total = 0;
    for (let i = 0; i < q.length; i++) {
      total += q[i].length;
      if (i === q.length - 1 && ev.wantsBytesWritten) {
        const n = total;
        s.write(q[i], () => ev.onBytesWritten(n));
      } else {
        s.write(q[i]);
      }
    }
    s.uncork();
    this.#checkCap();
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

  /**
   * Queues frames encoded once for many connections (a publish), by reference. Over the write
   * cap nothing is queued: 'close' fails the connection now, 'pause' drops this message for this
   * peer (pausing its reads cannot slow a publisher down). @returns true when queued
   */
  sendShared(frames: readonly Buffer[]): boolean {
    if (this.#writeCap !== 0 && this.bytesToWrite > this.#writeCap) {
      if (this.#capPolicy === 'close') this.#failOverCap();
      return false;
    }
    return this.session.sendEncoded(frames);
  }

  #failOverCap(): void {
    this.#writeCap = 0;
    // the close frame queues behind the backlog; the close timeout destroys the socket if the
    // peer never reads it. Nothing more is accepted for sending meanwhile.
    this.session.fail(1008, 'Too much unread data');
  }

  #checkCap(): void {
    const s = this.socket;
    if (this.#writeCap === 0 || s.writableLength <= this.#writeCap) return;
    if (this.#capPolicy === 'close') {
      this.#failOverCap();
    } else if (!this.#capPaused) {
      this.#capPaused = true;
      s.pause();
      s.once('drain', () => {
        this.#capPaused = false;
        this.#resumeIfFree();
      });
    }
  }

  /** Bytes queued but not yet handed to the kernel. */
  get bytesToWrite(): number {
    return this.session.outbox.bytes + this.socket.writableLength;
  }

  /** Flushes, half-closes our side, and destroys the socket if the peer has not closed in time. */
  end(): void {
    this.flush();
    if (!this.socket.destroyed) this.socket.end();
    this.armCloseTimer();
  }

  /** Destroys the socket if it is still open when the close timeout fires (RFC 6455 §7.1.1). */
  armCloseTimer(): void {
    if (this.#closeTimer !== null || this.socket.destroyed) return;
    this.#closeTimer = this.#closeQueue.add(() => {
      this.#closeTimer = null;
      this.socket.destroy();
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
    this.socket.destroy();
  }
}
