/**
 * The addon's native transport (native/io), seen from TypeScript: one process-wide read buffer
 * and record array shared with C++, and one event function through which C++ reports every
 * connection's reads (already decoded), drains, ends, errors and closes. Connection ids index
 * {@link owners}; nothing per connection lives here but that slot.
 * @module
 */
import { getSystemErrorName } from 'node:util';
import { isMainThread } from 'node:worker_threads';
import { native } from '../../codec/native';
import { IoEvent, Limits, Record } from '../../codec/constants';

/** The native transport's functions (native/binding/io.cc). */
export interface NativeIo {
  /** The interface version ({@link IoEvent.API_VERSION}); missing in builds older than the check. */
  ioApiVersion(): number;
  ioSupported(): boolean;
  ioInit(read: Uint8Array, records: Uint32Array, keep: Uint32Array, onEvent: (kind: number, id: number, a: number, b: number) => void): number;
  ioReadBuffer(read: Uint8Array): void;
  /** @returns the connection id, or a negative libuv error */
  ioAdopt(fd: number, state: Uint8Array): number;
  /** @returns the bytes still queued natively, or a negative libuv error */
  ioWrite(id: number, buffers: Uint8Array | Uint8Array[]): number;
  /**
   * Writes `frames[0..counts[i])` to connection `ids[i]` (one writev each), for i < count.
   * @returns how many of the connections took them; `queued[i]`: bytes left queued on `ids[i]`
   */
  ioWriteMany(ids: Uint32Array, counts: Uint32Array, count: number, frames: Uint8Array[], queued: Uint32Array): number;
  ioQueued(id: number): number;
  ioEnd(id: number): number;
  ioClose(id: number): number;
  ioRead(id: number, on: boolean): number;
  ioAddress(id: number, peer: boolean): [address: string, port: number, family: string] | null;
  /** @returns the listener id, or a negative libuv error ('' listens on every address) */
  ioListen(ip: string, port: number, handshakeMs: number): number;
  ioListenAddress(lid: number): [address: string, port: number, family: string] | null;
  ioListenPause(lid: number, paused: boolean): number;
  ioListenTimeout(lid: number, handshakeMs: number): number;
  ioListenClose(lid: number): number;
  /** The handshake of accepted connection `id` is done: its reads are decoded with `state` from now on. */
  ioUpgrade(id: number, state: Uint8Array): number;
  /** Every open connection's id is below it. */
  ioIdBound(): number;
  /** The listening socket's descriptor, or a negative libuv error. */
  ioListenFd(lid: number): number;
  /** Writes a string of fewer than {@link IoEvent.MAX_TEXT_WRITE} UTF-8 bytes (no Buffer for it). @returns bytes queued, or a negative libuv error */
  ioWriteText(id: number, text: string): number;
  /** The share table ({@link IoShared.share}); C++ holds it until the next call. */
  ioShareTable(table: Uint32Array): void;
  /** @returns a new native topic's id, or a negative libuv error */
  ioTopicNew(): number;
  ioTopicFree(topic: number): number;
  /** @returns 1 added, 0 already a member, or a negative libuv error */
  ioTopicAdd(topic: number, id: number): number;
  /** @returns 1 removed, 0 not a member, or a negative libuv error */
  ioTopicRemove(topic: number, id: number): number;
  /**
   * Collects `frames` for the topic's members but connection `except` (see native/io/topics.h).
   * @returns how many members they were collected for, or a negative libuv error; `fallback[0]`
   * members were left to JS, their ids in `fallback[1..]`
   */
  ioPublish(topic: number, except: number, frames: Buffer[], fallback: Uint32Array): number;
  /** As ioPublish, for the open connections whose share tag is `tag` (a server's broadcast; the second argument is unused). */
  ioBroadcast(tag: number, unused: 0, frames: Buffer[], fallback: Uint32Array): number;
  /** Writes what ioPublish collected: one writev per connection (QUEUED events for what is left queued). */
  ioFlushCollected(): void;
}

/** What receives a native listener's events. */
export interface ListenerSink {
  /** Bytes `[start, start + length)` of {@link IoShared.read}, read raw from accepted connection `id` (its HTTP request). */
  onRaw(id: number, start: number, length: number): void;
  onListenError(err: Error): void;
}

const listeners: Array<ListenerSink | undefined> = [];

/** Routes listener `lid`'s events (RAW for its connections, errors) to `sink`; undefined unregisters. */
export function registerListener(lid: number, sink: ListenerSink | undefined): void {
  listeners[lid] = sink;
}

/** What receives one native connection's events. */
export interface IoOwner {
  /** `records` records decoded from {@link IoShared.read}, covering `bytes` bytes of the read. */
  onBatch(records: number, bytes: number): void;
  onEof(): void;
  /** The native write queue emptied; `bytes` went out from it. */
  onDrain(bytes: number): void;
  /** Publishes collected for it were written; `bytes` are left queued natively. */
  onQueued(bytes: number): void;
  onError(err: Error): void;
  onClosed(hadError: boolean): void;
}

const owners: Array<IoOwner | undefined> = [];
/** How many connections have closed on each id (ids are reused): see {@link closesOn}. */
const closes: number[] = [];

function countClose(id: number): void {
  closes[id] = (closes[id] ?? 0) + 1;
}

/**
 * How many connections have closed on id `id` so far. While it stays what it was when a
 * connection was seen, the id is still that connection's (its CLOSED event comes before C++
 * gives the id to another).
 */
export function closesOn(id: number): number {
  return closes[id] ?? 0;
}

function onEvent(kind: number, id: number, a: number, b: number): void {
  if (kind === IoEvent.SLAB) {
    newReadBuffer();
    return;
  }
  if (kind === IoEvent.RAW) {
    listeners[(shared as IoShared).keep[1]]?.onRaw(id, a, b);
    return;
  }
  if (kind === IoEvent.LISTEN_ERROR) {
    listeners[id]?.onListenError(ioError(-a, 'accept'));
    return;
  }
  const owner = owners[id];
  if (owner === undefined) {
    if (kind === IoEvent.CLOSED) countClose(id);
    return;
  }
  switch (kind) {
    case IoEvent.BATCH:
      owner.onBatch(a, b);
      break;
    case IoEvent.DRAIN:
      owner.onDrain(a);
      break;
    case IoEvent.QUEUED:
      owner.onQueued(a);
      break;
    case IoEvent.EOF:
      owner.onEof();
      break;
    case IoEvent.ERROR:
      owner.onError(ioError(-a));
      break;
    case IoEvent.CLOSED:
      owners[id] = undefined;
      countClose(id);
      owner.onClosed(a !== 0);
      break;
  }
}

/** A Node-style system error (code, errno) for a libuv error number. */
export function ioError(errno: number, syscall = 'read'): Error & { code: string } {
  let code: string;
  try {
    code = getSystemErrorName(errno);
  } catch {
    code = 'EIO';
  }
  // no stack: it would only show the event loop, and capturing it is most of the cost (a
  // reset connection makes one of these)
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  const err = new Error(`${syscall} ${code}`);
  Error.stackTraceLimit = limit;
  return Object.assign(err, { code, errno, syscall });
}

/**
 * The memory shared with C++: reads land in `read` (replaced when it fills up), their records in
 * `records`; `keep[0] = 1` tells C++ that views of the last read's bytes are still held, and
 * `keep[KEEP_RESERVE]` how many bytes of a frame held in place at its end are still to come
 * (the connection's next reads get that room right after it); `keep[1]` is the listener of a
 * RAW event's connection. `share` is the share table of topics walked natively
 * ({@link IoEvent.SHARE_WORDS} words per connection id; replaced by a larger one as ids grow).
 */
export interface IoShared {
  readonly io: NativeIo;
  read: Buffer;
  readonly records: Uint32Array;
  readonly keep: Uint32Array;
  share: Uint32Array;
}

/**
 * A fresh read buffer for C++ (the SLAB event; tests call it to start from an empty buffer): the
 * old one stays alive as long as views of it do.
 * @returns the new buffer
 */
export function newReadBuffer(): Buffer {
  const s = shared as IoShared;
  s.read = Buffer.allocUnsafeSlow(IoEvent.READ_BUFFER_SIZE);
  s.io.ioReadBuffer(s.read);
  return s.read;
}

let shared: IoShared | null = null;
let why: string | null = null;

function setUp(): IoShared | null {
  const mode = process.env.QWS_TRANSPORT;
  if (mode === 'node') return fail('disabled by QWS_TRANSPORT=node');
  // Its libuv handles live on the loop of the thread that started it; a worker's loop ends with
  // the worker, and handles left on it crashed or hung the process at exit. Workers use net.Socket.
  if (!isMainThread) return fail('the native transport runs on the main thread only (this is a worker thread)');
  const io = usableTransport(native);
  if (typeof io === 'string') return fail(io);
  const read = Buffer.allocUnsafeSlow(IoEvent.READ_BUFFER_SIZE);
  const records = new Uint32Array(Limits.RECORD_CAPACITY * Record.STRIDE);
  const keep = new Uint32Array(IoEvent.KEEP_WORDS);
  let r: number;
  try {
    r = io.ioInit(read, records, keep, onEvent);
  } catch (e) {
    return fail(`the native transport failed to start (${e instanceof Error ? e.message : String(e)})`);
  }
  if (r < 0) return fail(`native transport unavailable here (${ioError(r).message})`);
  const share = new Uint32Array(1024 * IoEvent.SHARE_WORDS);
  io.ioShareTable(share);
  return { io, read, records, keep, share };
}

/**
 * Checks what the addon offers before anything calls it: a build whose transport interface is
 * of another version (a stale build/ from before the last change of it) is refused, or its
 * calls would fail or misbehave mid-connection.
 * @returns the transport, or why it cannot serve
 */
export function usableTransport(binding: unknown): NativeIo | string {
  const io = binding as Partial<NativeIo> | null;
  if (io === null || typeof io !== 'object') return 'the native addon is not loaded';
  if (typeof io.ioInit !== 'function' || typeof io.ioSupported !== 'function') return 'the native addon has no transport';
  const version = typeof io.ioApiVersion === 'function' ? io.ioApiVersion() : 1;
  if (version !== IoEvent.API_VERSION) {
    return `the native addon is a stale build (transport interface ${version}, expected ${IoEvent.API_VERSION}): rebuild it (npm rebuild qwebsocket)`;
  }
  if (!io.ioSupported()) return `no native transport on ${process.platform}`;
  return io as NativeIo;
}

function fail(reason: string): null {
  why = reason;
  return null;
}

let tried = false;

/** The native transport, set up on first use; null when it cannot serve (see {@link nativeTransportStatus}). */
export function ioShared(): IoShared | null {
  if (!tried) {
    tried = true;
    shared = setUp();
  }
  return shared;
}

/** 'native' when sockets are taken over by the addon, else why not. */
export function nativeTransportStatus(): string {
  return ioShared() !== null ? 'native' : (why as string);
}

/** The index of connection `id`'s word `word` (IoEvent.SHARE_CAP, …) in {@link IoShared.share}. */
export function shareWord(id: number, word: number): number {
  return id * IoEvent.SHARE_WORDS + word;
}

/**
 * Routes the events of connection `id` to `owner` (until its CLOSED event), and makes the share
 * table reach its words (they are 0 for a new connection: C++ zeroes a closing one's).
 */
export function registerOwner(id: number, owner: IoOwner | undefined): void {
  owners[id] = owner;
  const s = shared as IoShared;
  const end = (id + 1) * IoEvent.SHARE_WORDS;
  if (end > s.share.length) {
    const bigger = new Uint32Array(Math.max(end, s.share.length * 2));
    bigger.set(s.share);
    s.share = bigger;
    s.io.ioShareTable(bigger);
  }
}

/** Open native connections whose local port is `port`, handshaking ones too (tests: what a server still holds). */
export function nativeConnectionsOnPort(port: number): number {
  const s = shared;
  if (s === null) return 0;
  let n = 0;
  for (let id = 0, end = s.io.ioIdBound(); id < end; id++) if (s.io.ioAddress(id, false)?.[1] === port) n++;
  return n;
}
