/**
 * A connection on the addon's native transport: the socket's descriptor was taken over from a
 * `net.Socket` after the handshake (see {@link takeOver}); reads are decoded in C++ and reach the
 * session as records, one call per read; writes go straight to the kernel from C++ (the rest is
 * queued natively and counted as backlog for the write cap).
 * @module
 */
import type { Socket } from 'node:net';
import { IoEvent } from '../../codec/constants';
import { NOT_LENT, type SessionHandler, type SessionOptions } from '../../protocol/session';
import { ConnectionBase, type ConnectionEvents, type WriteLimits } from '../connectionBase';
import { ioShared, registerOwner, shareWord, type IoOwner, type IoShared } from './nativeIo';
import { connectionGone, takeOver, type CountingServer } from './takeOver';
import { flushSharedWrites, queueSharedWrite, type SharedWriter } from './sharedWrites';

/** Until told otherwise, publishes reach connection `id` through JS (not the native walk). */
function unshare(id: number): void {
  shared.share[shareWord(id, IoEvent.SHARE_CAP)] = 0;
}

/** The addon's transport state (one per process: kept here, not on each connection). */
let shared: IoShared;

/**
 * What Node had buffered of a socket taken over, fed before reading starts: kept aside, not in a
 * field (most connections never have any, and none after start).
 */
const earlyBytes = new WeakMap<NativeConnection, Buffer>();

/** The socket is closed or destroyed. */
const GONE = 1;
/** Our side is ended (FIN queued). */
const ENDED = 2;

/**
 * The local or peer address of connection `id` (null once gone). A function, not a private
 * method: a class with private methods costs each instance a field.
 */
function addressOf(flags: number, id: number, peer: boolean): [string, number, string] | null {
  return (flags & GONE) !== 0 ? null : shared.io.ioAddress(id, peer);
}

/** See the module comment. */
export class NativeConnection extends ConnectionBase implements IoOwner, SharedWriter {
  #id = -1;
  /** GONE, ENDED (bits: one field instead of two per connection) */
  #flags = 0;
  /** The server that accepted the socket: it counts this connection until it closes. */
  #server: CountingServer | null = null;
  /** Native backlog after the last write (0 after a drain). */
  #backlog = 0;
  /** Bytes of collected shared writes (publish, broadcast) not yet written. */
  #sharedPending = 0;
  /** see {@link SharedWriter} (not tagged internal: stripInternal would drop an implemented member from the .d.ts) */
  sharedSlot = 0;
  /** see {@link SharedWriter} */
  sharedGeneration = 0;
  /** Called when the native queue has drained (write callbacks, lone-message and pause waiters). */
  #drained: Array<() => void> | null = null;

  /**
   * Takes `socket` over; null when it cannot be (TLS, a descriptor Node cannot give up, bytes
   * still unsent): then the caller keeps it on {@link Connection}.
   */
  static open(socket: Socket, handler: SessionHandler, events: ConnectionEvents, options: SessionOptions, limits: WriteLimits): NativeConnection | null {
    const io = ioShared();
    if (io === null) return null;
    shared = io;
    const c = new NativeConnection(handler, events, options, limits);
    const taken = takeOver(socket, io.io, c.session.decoder.detachedState());
    if (taken === null) return null;
    c.#id = taken.id;
    if (taken.buffered !== null) earlyBytes.set(c, taken.buffered);
    c.#server = taken.server;
    registerOwner(taken.id, c);
    return c;
  }

  /** A connection the native listener accepted (`id`), its handshake done: decoded natively from now on. */
  static accepted(id: number, handler: SessionHandler, events: ConnectionEvents, options: SessionOptions, limits: WriteLimits): NativeConnection {
    shared = ioShared() as IoShared;
    const c = new NativeConnection(handler, events, options, limits);
    c.#id = id;
    // (called from the RAW event that completed the request: the connection is open)
    shared.io.ioUpgrade(id, c.session.decoder.detachedState());
    registerOwner(id, c);
    return c;
  }

  private constructor(handler: SessionHandler, events: ConnectionEvents, options: SessionOptions, limits: WriteLimits) {
    super(handler, events, options, limits);
  }

  start(head: Buffer | null): void {
    const early = earlyBytes.get(this) ?? null;
    earlyBytes.delete(this);
    const first = head !== null && head.length > 0 ? (early !== null ? Buffer.concat([head, early]) : head) : early;
    if (first !== null) {
      this.session.receive(first);
      this.afterRead(first.length);
    }
    if ((this.#flags & GONE) === 0) shared.io.ioRead(this.#id, true);
    this.shareStateChanged();
  }

  // ---- events from native/io ---------------------------------------------------------------

  onBatch(records: number, bytes: number): void {
    if ((this.#flags & GONE) !== 0) return;
    const s = shared;
    // what the handlers queue goes out after this read (afterRead): until then a publish must
    // reach this connection through JS, behind it
    unshare(this.#id);
    const rest = this.session.receiveDecoded(s.read, s.records, records);
    if (rest !== NOT_LENT) {
      s.keep[0] = 1;
      s.keep[IoEvent.KEEP_RESERVE] = rest;
    }
    this.afterRead(bytes);
  }
  onEof(): void {
    this.peerEndedSocket();
  }
  onDrain(_bytes: number): void {
    this.#backlog = 0;
    const waiters = this.#drained;
    this.#drained = null;
    if (waiters !== null) for (const fn of waiters) fn();
    // (a lone message over the cap is out now)
    this.shareStateChanged();
  }
  onQueued(bytes: number): void {
    this.#backlog = bytes;
  }
  onError(err: Error): void {
    this.events.onSocketError(err);
  }
  onClosed(hadError: boolean): void {
    this.#flags |= GONE;
    // the id is reused once this returns: collected frames must not outlive it (they skip it now;
    // C++ has taken it out of its topics and collection and zeroed its share words already)
    if (this.#sharedPending !== 0) flushSharedWrites();
    const server = this.#server;
    this.#server = null;
    if (server !== null) connectionGone(server);
    this.socketClosed(hadError);
  }

  // ---- the socket --------------------------------------------------------------------------

  protected get socketGone(): boolean {
    return (this.#flags & GONE) !== 0;
  }
  protected get socketWritable(): boolean {
    return this.#flags === 0;
  }
  protected get socketBacklog(): number {
    return this.#backlog + this.#sharedPending + shared.share[shareWord(this.#id, IoEvent.SHARE_COLLECTED)];
  }

  get ioId(): number {
    return this.#id;
  }

  override get ioShareId(): number {
    return (this.#flags & GONE) === 0 ? this.#id : -1;
  }

  override shareStateChanged(): void {
    if ((this.#flags & GONE) === 0) shared.share[shareWord(this.#id, IoEvent.SHARE_CAP)] = this.shareCap;
  }

  /** Frames were queued outside a read: until they are written, a publish must reach this connection through JS. */
  override requestFlush(): void {
    if ((this.#flags & GONE) === 0) unshare(this.#id);
    super.requestFlush();
  }

  /** True while publishes collected natively for this connection wait to be written. */
  private get collected(): boolean {
    return shared.share[shareWord(this.#id, IoEvent.SHARE_COLLECTED)] !== 0;
  }

  /**
   * A single frame shared by many connections joins the collected write to all of them when the
   * native walk could take it too (shareCap: nothing of this connection waits before it, …);
   * else it queues behind, as usual.
   */
  protected override queueEncoded(frames: readonly Buffer[]): boolean {
    if (frames.length !== 1 || this.shareCap === 0) return super.queueEncoded(frames);
    // (joining may first flush another collected frame, which resets the pending count)
    queueSharedWrite(shared, this, frames[0]);
    this.#sharedPending += frames[0].length;
    return true;
  }

  sharedWritten(queued: number): void {
    this.#sharedPending = 0;
    this.#backlog = queued;
    this.shareStateChanged();
  }

  protected writeOut(q: Buffer[], _each: (() => void) | undefined, last: (() => void) | undefined): void {
    // frames collected for a shared write were queued before these
    if (this.#sharedPending !== 0 || this.collected) flushSharedWrites();
    const r = shared.io.ioWrite(this.#id, q.length === 1 ? q[0] : q);
    // what the kernel did not take was copied: the batch bytes can be written again
    this.session.outbox.written(q[q.length - 1]);
    // a failed write closes the connection natively (ERROR, then CLOSED follow)
    if (r < 0) return;
    this.#backlog = r;
    // all in the kernel: reported on the next tick, as Node reports a write that completed at once
    if (last !== undefined) {
      if (r === 0) process.nextTick(last);
      else this.onceDrained(last);
    }
  }
  protected setReading(on: boolean): void {
    if ((this.#flags & GONE) === 0) shared.io.ioRead(this.#id, on);
  }
  protected onceDrained(fn: () => void): void {
    (this.#drained ??= []).push(fn);
  }
  protected endSocket(): void {
    if ((this.#flags & ENDED) !== 0) return;
    this.#flags |= ENDED;
    if (this.#sharedPending !== 0 || this.collected) flushSharedWrites();
    shared.io.ioEnd(this.#id);
  }
  protected destroySocket(): void {
    if ((this.#flags & GONE) !== 0) return;
    this.#flags |= GONE;
    shared.io.ioClose(this.#id);
  }
  get localAddress(): string {
    return addressOf(this.#flags, this.#id, false)?.[0] ?? '';
  }
  get localPort(): number {
    return addressOf(this.#flags, this.#id, false)?.[1] ?? 0;
  }
  get remoteAddress(): string {
    return addressOf(this.#flags, this.#id, true)?.[0] ?? '';
  }
  get remotePort(): number {
    return addressOf(this.#flags, this.#id, true)?.[1] ?? 0;
  }
}
