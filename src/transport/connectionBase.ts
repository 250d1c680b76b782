/**
 * What every transport does the same way for one {@link Session}: writes everything the session
 * queued in one go after each read or at the end of the tick, limits reading per event-loop turn
 * (readBufferSize), applies the write limits (cap on unsent bytes with its policy, drained
 * watermarks), and runs the close timeout on a shared timer queue. The socket itself — Node's
 * `net.Socket` ({@link Connection}) or the addon's native transport (NativeConnection) — is
 * behind a few abstract members.
 * @module
 */
import { Session, type FlushRequester, type SessionHandler, type SessionOptions } from '../protocol/session';
import { CloseCode, Timeouts } from '../codec/constants';
import { timerQueue, type TimerEntry, type TimerQueue } from './timerQueue';
import type { WriteLimits } from './writeLimits';

// the limits' types and defaults live in ./writeLimits (see there why); existing importers keep these names
export { DEFAULT_WRITE_LIMITS, type BufferPolicy, type WriteLimits } from './writeLimits';

// The connection's yes/no state, as bits of one number (a field per flag costs 8 bytes per idle
// connection). Reading is paused while any of the four pause bits is set.
/** The read budget of this turn is spent (readBufferSize). */
const BUDGET_PAUSED = 1;
/** Unsent bytes are over the cap with the 'pause' policy. */
const CAP_PAUSED = 2;
/** Reading paused by the owner ({@link ConnectionBase.holdReading}). */
const HELD = 4;
/** Reading paused by the face's user ({@link ConnectionBase.pauseReading}: ws's pause()). */
const USER_PAUSED = 8;
const ANY_PAUSE = BUDGET_PAUSED | CAP_PAUSED | HELD | USER_PAUSED;
const FLUSH_SCHEDULED = 16;
/** Unsent bytes went over the high-water mark: writes carry a callback until drained. */
const ABOVE_HIGH = 32;
/** The owner holds shared writes back (its sends wait in a queue: see {@link ConnectionBase.holdShared}). */
const SHARE_HELD = 64;
/** IoEvent.SHARE_NO_CAP (see {@link ConnectionBase.shareCap}). */
const NO_CAP = 0xffffffff;

/** Socket-level events a connection reports to its owner. */
export interface ConnectionEvents {
  /** True when someone listens to bytesWritten (write callbacks cost, so only then). */
  readonly wantsBytesWritten: boolean;
  onBytesWritten(bytes: number): void;
  /** Unsent bytes fell to the low-water mark after exceeding the high-water mark. */
  onDrained(): void;
  /** The peer ended its side (TCP FIN). */
  onReadFinished(): void;
  /** The socket is fully closed. */
  onClosed(hadError: boolean): void;
  onSocketError(err: Error): void;
}

type WriteCallback = (err?: Error) => void;

/**
 * A connection's state that an idle one never has, in one object made on first use (as five
 * fields it would cost every connection 40 bytes).
 */
interface Rare {
  /** The per-turn read budget (readBufferSize) and what this turn read; null while reading is not limited (the default). */
  budget: { size: number; used: number } | null;
  /** Callbacks waiting for what is queued now to be written (see {@link ConnectionBase.whenWritten}). */
  writeWaiters: WriteCallback[] | null;
  /** Batches of waiters whose bytes are with the socket, oldest first. */
  writing: WriteCallback[][] | null;
  /** Bytes of a lone message larger than the cap, still draining: the cap applies on top of it. */
  lone: number;
  onWritten: (() => void) | null;
}

/** True while a publish's frames are being queued (sendShared): their flush waits for the check phase. */
let queuingShared = false;

/** See the module comment. Its helpers are TS `private`, not `#`: `#` methods cost every instance 8 bytes (a brand). */
export abstract class ConnectionBase implements FlushRequester {
  readonly session: Session;
  protected readonly events: ConnectionEvents;
  #closeTimer: TimerEntry | null = null;
  #closeQueue: TimerQueue = timerQueue(Timeouts.CLOSE_MS);
  /** BUDGET_PAUSED, CAP_PAUSED, … (see above) */
  #flags = 0;
  #limits: WriteLimits;
  /** What only some connections use (see {@link Rare}); null until one does. */
  #rare: Rare | null = null;

  constructor(handler: SessionHandler, events: ConnectionEvents, options: SessionOptions, limits: WriteLimits) {
    this.events = events;
    this.#limits = limits;
    this.session = new Session(handler, options, this);
  }

  // ---- the socket --------------------------------------------------------------------------

  /** True once the socket is destroyed or closed. */
  protected abstract get socketGone(): boolean;
  /** True while bytes can still be written (not destroyed, our side not ended). */
  protected abstract get socketWritable(): boolean;
  /** Bytes handed to the socket but not yet to the kernel. */
  protected abstract get socketBacklog(): number;
  /**
   * Writes the buffers in order. `each` (when given) is called as each buffer is out, `last`
   * once all of them are.
   */
  protected abstract writeOut(q: Buffer[], each: (() => void) | undefined, last: (() => void) | undefined): void;
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
    const budget = this.#rare?.budget ?? null;
    if (budget !== null) {
      // readBufferSize: at most that many bytes are read per event-loop turn; the rest stays in
      // the kernel (TCP backpressure) until the handlers of this turn have run
      budget.used += bytes;
      if (budget.used >= budget.size && (this.#flags & BUDGET_PAUSED) === 0 && !this.socketGone) {
        this.#flags |= BUDGET_PAUSED;
        this.setReading(false);
        setImmediate(() => {
          this.#flags &= ~BUDGET_PAUSED;
          const b = this.#rare?.budget;
          if (b != null) b.used = 0;
          this.resumeIfFree();
        });
      }
    }
  }

  /** Resumes reading unless the other pause (read budget or write cap) still holds. */
  private resumeIfFree(): void {
    if ((this.#flags & ANY_PAUSE) === 0 && !this.socketGone) this.setReading(true);
  }

  /**
   * Pauses (true) or resumes reading for the owner (a server connection whose user does not
   * have it yet), on top of the read budget and the write cap.
   */
  holdReading(on: boolean): void {
    if (((this.#flags & HELD) !== 0) === on) return;
    this.#flags ^= HELD;
    if (!on) this.resumeIfFree();
    else if (!this.socketGone) this.setReading(false);
  }

  /** Pauses (true) or resumes reading for the face's user (ws's pause()/resume()), on top of the other pauses. */
  pauseReading(paused: boolean): void {
    if (((this.#flags & USER_PAUSED) !== 0) === paused) return;
    this.#flags ^= USER_PAUSED;
    if (!paused) this.resumeIfFree();
    else if (!this.socketGone) this.setReading(false);
  }

  /** Sets the per-turn read budget (0 = unlimited). */
  setReadBufferSize(size: number): void {
    if (size > 0) {
      const r = this.rareState();
      r.budget = { size, used: r.budget?.used ?? 0 };
    } else if (this.#rare !== null) this.#rare.budget = null;
  }

  /** The peer ended its side: reported, and ours is closed too (sockets from http servers allow half-open). */
  protected peerEndedSocket(): void {
    this.events.onReadFinished();
    if (!this.socketGone && this.socketWritable) this.end();
  }

  /** The socket is fully closed. */
  protected socketClosed(hadError: boolean): void {
    this.cancelCloseTimer();
    this.failWaiters();
    this.session.dispose();
    this.events.onClosed(hadError);
  }

  // ---- writing -----------------------------------------------------------------------------

  /** FlushRequester: the session queued output outside a receive (not tagged internal: see core/endpoint's SessionHandler note) */
  requestFlush(): void {
    if ((this.#flags & FLUSH_SCHEDULED) !== 0) return;
    this.#flags |= FLUSH_SCHEDULED;
    // a publish's frames go out in the check phase, as the native transport's collected writes
    // do: a broker client that writes from a setImmediate queued before them (node-redis does)
    // then sends the PUBLISH to the other servers ahead of this server's local fan-out
    (queuingShared ? setImmediate : process.nextTick)(() => {
      this.#flags &= ~FLUSH_SCHEDULED;
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
    if (q === null || !this.socketWritable) {
      if (this.#rare?.writeWaiters != null && (q !== null || this.socketGone)) this.failWaiters();
      this.shareStateChanged();
      return false;
    }
    const before = this.socketBacklog;
    const ev = this.events;
    let total = 0;
    for (let i = 0; i < q.length; i++) total += q[i].length;
    if ((this.#flags & ABOVE_HIGH) === 0 && before + total > this.#limits.highWater) this.#flags |= ABOVE_HIGH;
    // while above the high-water mark every write reports back, to find when we fall under the low one
    const drainCb = (this.#flags & ABOVE_HIGH) !== 0 ? (this.rareState().onWritten ??= () => this.written()) : undefined;
    let last = ev.wantsBytesWritten
      ? () => {
          ev.onBytesWritten(total);
          drainCb?.();
        }
      : drainCb;
    const rare = this.#rare;
    const waiters = rare?.writeWaiters ?? null;
    if (rare !== null && waiters !== null) {
      rare.writeWaiters = null;
      (rare.writing ??= []).push(waiters);
      const inner = last;
      // Node's socket passes an error when the write failed (destroyed first)
      last = (err?: Error | null) => {
        inner?.();
        this.waitersWritten(waiters, err ?? undefined);
      };
    }
    this.writeOut(q, drainCb, last);
    this.checkCap(before);
    this.shareStateChanged();
    return true;
  }

  /**
   * Calls `cb` once everything queued so far has been handed to the kernel, or with an error
   * when the connection closes first (ws's send callback). Nothing queued: on the next tick.
   */
  whenWritten(cb: (err?: Error) => void): void {
    if (this.session.outbox.bytes === 0 && this.#rare?.writeWaiters == null) {
      if (this.socketGone) process.nextTick(cb, new Error('The socket is closed'));
      else {
        const w = this.#rare?.writing;
        if (w == null || w.length === 0) process.nextTick(cb);
        else w[w.length - 1].push(cb);
      }
      return;
    }
    (this.rareState().writeWaiters ??= []).push(cb);
  }

  /** A batch of write waiters is out, or failed with `err`. */
  private waitersWritten(waiters: Array<(err?: Error) => void>, err: Error | undefined): void {
    const w = this.#rare?.writing ?? null;
    const i = w === null ? -1 : w.indexOf(waiters);
    if (i < 0) return; // failed already
    (w as Array<Array<(err?: Error) => void>>).splice(i, 1);
    for (const cb of waiters) cb(err);
  }

  /** The connection is gone: every waiter learns its bytes were not (all) written. */
  private failWaiters(): void {
    const rare = this.#rare;
    if (rare === null) return;
    const batches = rare.writing ?? [];
    rare.writing = null;
    if (rare.writeWaiters !== null) batches.push(rare.writeWaiters);
    rare.writeWaiters = null;
    if (batches.length === 0) return;
    const err = new Error('The socket was closed before the data was written');
    for (const b of batches) for (const cb of b) process.nextTick(cb, err);
  }

  private written(): void {
    if ((this.#flags & ABOVE_HIGH) !== 0 && this.bytesToWrite <= this.#limits.lowWater) {
      this.#flags &= ~ABOVE_HIGH;
      this.shareStateChanged();
      this.events.onDrained();
    }
  }

  /** Replaces the write limits (cap, policy, watermarks); they apply to the next send. */
  setWriteLimits(limits: WriteLimits): void {
    this.#limits = limits;
    this.shareStateChanged();
  }

  // ---- shared writes walked natively (see core/topics) --------------------------------------

  /**
   * The connection's id on a transport that walks a topic's subscribers itself (the native one)
   * until the socket is gone (the id is then another connection's, or soon will be); -1 on
   * other transports.
   */
  get ioShareId(): number {
    return -1;
  }

  /**
   * Something that decides how a publish may reach this connection changed: a transport that
   * walks subscribers natively is told {@link shareCap} again. Nothing to do on others.
   */
  shareStateChanged(): void {}

  /**
   * 0 while a publish must reach this connection through JS ({@link sendShared}, in call order
   * with everything else): bytes wait in the outbox, a close was sent, a message sent in fragments
   * is under way, writes report back (bytesWritten, above the high-water mark), a lone message
   * over the cap drains, or the owner holds shared writes back. Else the cap on unsent bytes a
   * publish may still be queued over (0xffffffff: none), which the native walk checks itself.
   */
  protected get shareCap(): number {
    if ((this.#flags & (ABOVE_HIGH | SHARE_HELD)) !== 0 || !this.socketWritable || this.lone !== 0 || this.events.wantsBytesWritten) return 0;
    const s = this.session;
    if (s.closeSent || s.sendingFragments || s.outbox.bytes !== 0 || s.heldBytes !== 0) return 0;
    const cap = this.#limits.maxBufferedBytes;
    return cap === 0 || cap >= NO_CAP ? NO_CAP : cap;
  }

  /** The owner queues this connection's sends itself (true) until it hands them all over (false). */
  holdShared(on: boolean): void {
    this.#flags = on ? this.#flags | SHARE_HELD : this.#flags & ~SHARE_HELD;
    this.shareStateChanged();
  }

  /**
   * Queues a message through the cap (RFC 6455 §7.4.1 1008 on overflow with the 'close' policy).
   * @returns the payload bytes queued, 0 when the message was refused
   */
  sendText(message: string): number {
    const before = this.bytesToWrite;
    return this.admit(before, this.session.sendText(message));
  }

  /** As {@link sendText}, for binary messages. */
  sendBinary(data: Uint8Array): number {
    const before = this.bytesToWrite;
    return this.admit(before, this.session.sendBinary(data));
  }

  /** As {@link sendText}, for a message or fragment given as bytes (see Session.sendBytes). */
  sendBytes(data: Buffer, text: boolean, fin: boolean, compress: boolean): number {
    const before = this.bytesToWrite;
    return this.admit(before, this.session.sendBytes(data, text, fin, compress));
  }

  /** As {@link sendText}, for frames encoded once for many connections. @returns false when refused */
  sendEncoded(frames: readonly Buffer[]): boolean {
    const before = this.bytesToWrite;
    return this.admit(before, this.queueEncoded(frames) ? 1 : 0) !== 0;
  }

  /**
   * Queues frames encoded once for many connections, by reference (a transport may write them to
   * all its connections in one go). @returns false after a close was sent
   */
  protected queueEncoded(frames: readonly Buffer[]): boolean {
    return this.session.sendEncoded(frames);
  }

  /**
   * Queues frames encoded once for many connections (a publish), by reference. Over the write
   * cap nothing is queued: 'close' fails the connection now, 'pause' drops this message for this
   * peer (pausing its reads cannot slow a publisher down). @returns true when queued
   */
  sendShared(frames: readonly Buffer[]): boolean {
    const { maxBufferedBytes: cap, policy } = this.#limits;
    if (cap !== 0 && this.bytesToWrite > cap + this.lone) {
      if (policy === 'close') this.overflow();
      return false;
    }
    queuingShared = true;
    try {
      return this.queueEncoded(frames);
    } finally {
      queuingShared = false;
    }
  }

  /**
   * Checks the cap at send time, so a synchronous loop of sends is bounded too: a message that
   * takes the unsent bytes over the cap fails the connection and every unsent byte is dropped,
   * unless nothing was waiting (one message larger than the cap still goes out, alone).
   */
  private admit(before: number, queued: number): number {
    const { maxBufferedBytes: cap, policy } = this.#limits;
    if (cap === 0 || queued === 0) return queued;
    if (before === 0 && this.#rare !== null) this.#rare.lone = 0;
    const now = this.bytesToWrite;
    if (now <= cap + this.lone) return queued;
    if (before === 0) {
      this.loneMessage(now);
      return queued;
    }
    if (policy !== 'close') return queued; // 'pause': checked when written (stops reading the peer)
    this.overflow();
    return 0;
  }

  /** A lone message over the cap: the cap applies on top of it until the socket drains. */
  private loneMessage(bytes: number): void {
    const r = this.rareState();
    if (r.lone === 0) this.onceDrained(() => (r.lone = 0));
    r.lone = bytes;
  }

  /** Bytes of a lone message over the cap still draining (see {@link Rare}). */
  private get lone(): number {
    return this.#rare?.lone ?? 0;
  }

  private rareState(): Rare {
    return (this.#rare ??= { budget: null, writeWaiters: null, writing: null, lone: 0, onWritten: null });
  }

  /** Fails the connection for too much unsent data; what was not handed to the socket is freed. */
  private overflow(): void {
    this.#limits = { ...this.#limits, maxBufferedBytes: 0 };
    this.session.outbox.clear();
    // the close frame queues behind what the socket holds (at most the cap); the close timeout
    // destroys the socket if the peer never reads it. Nothing more is accepted for sending.
    this.session.fail(CloseCode.CloseCodePolicyViolated, 'Too much unsent data');
  }

  /** After a write: automatic frames (pongs) count against the cap too. */
  private checkCap(before: number): void {
    const { maxBufferedBytes: cap, policy } = this.#limits;
    const backlog = this.socketBacklog;
    if (cap === 0 || backlog <= cap + this.lone) return;
    if (before === 0 && this.lone === 0) {
      this.loneMessage(backlog);
    } else if (policy === 'close') {
      this.overflow();
    } else if ((this.#flags & CAP_PAUSED) === 0) {
      this.#flags |= CAP_PAUSED;
      this.setReading(false);
      this.onceDrained(() => {
        this.#flags &= ~CAP_PAUSED;
        this.resumeIfFree();
      });
    }
  }

  /** Bytes queued but not yet handed to the kernel. */
  get bytesToWrite(): number {
    return this.session.outbox.bytes + this.session.heldBytes + this.socketBacklog;
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
    this.cancelCloseTimer();
    this.#closeQueue = timerQueue(ms);
  }

  private cancelCloseTimer(): void {
    if (this.#closeTimer !== null) {
      this.#closeQueue.cancel(this.#closeTimer);
      this.#closeTimer = null;
    }
  }

  /** Drops queued output and destroys the socket now. */
  destroy(): void {
    this.session.stop();
    this.cancelCloseTimer();
    this.destroySocket();
  }
}
