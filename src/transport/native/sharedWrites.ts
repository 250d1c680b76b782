/**
 * Publish and broadcast on the native transport: frames encoded once for many connections are
 * collected, with the ids of the connections each goes to, and written by ONE native call
 * (ioWriteMany: per connection one writev of its frames) instead of a queue, a flush and a native
 * call per connection. Every connection takes a prefix of the collected frames (a connection that
 * would skip one, or writes anything else, or ends, first has the collection flushed:
 * {@link flushSharedWrites}), so the order of its frames is kept.
 *
 * The collection is written in the event loop's check phase (setImmediate), not at the end of the
 * tick, as uWebSockets drains its topic tree once per loop iteration. A publish with a broker
 * hands the envelope to the broker first, and a broker client that writes from a setImmediate
 * queued then (node-redis does) gets its PUBLISH out before the local fan-out — hundreds of
 * loopback writes, milliseconds of kernel time — instead of after it (bench/topics/cross.mjs:
 * the other server's first subscriber p50 4.0 → 0.6 ms after the publish). Publishes of one
 * iteration also share one writev per connection. A connection that closes meanwhile flushes
 * the collection first (its id is reused after that; see NativeConnection.onClosed).
 *
 * A topic's subscribers on this transport are walked in C++ ({@link walkNative}: see
 * native/io/topics.h), which keeps a collection of its own, written in the same check phase.
 * Only one of the two collections holds frames at a time (adding to one writes the other
 * first), so what a connection gets from both stays in call order.
 * @module
 */
import type { IoShared } from './nativeIo';

/** A connection that takes part in a collected write. */
export interface SharedWriter {
  readonly ioId: number;
  /** Its slot in the collection of generation `sharedGeneration`. */
  sharedSlot: number;
  sharedGeneration: number;
  /** Its frames went out (queued natively: `queued` bytes are still waiting). */
  sharedWritten(queued: number): void;
}

/** At most this many distinct frames per collection (one writev each connection). */
const MAX_FRAMES = 64;

let io: IoShared | null = null;
const frames: Buffer[] = [];
let ids = new Uint32Array(256);
let counts = new Uint32Array(256);
let queued = new Uint32Array(256);
let writers: SharedWriter[] = [];
let n = 0;
let generation = 1;
let scheduled = false;

/** The native collection holds frames (walkNative collected some since the last flush). */
let nativePending = false;
/** The frames the native collection points into: kept alive here until it is written. */
let pinned: Buffer[] = [];
/** Frames pinned at most before the native collection is written (bounds what a loop of publishes holds). */
const MAX_PINNED = 1024;
/** ioFlushCollected calls under way (a handler of one of its events may flush again). */
let flushing = 0;
/** ioPublish's fallback: [count, ids of the members left to JS...]. */
let fallback = new Uint32Array(257);

function grow(): void {
  const size = ids.length * 2;
  const i = new Uint32Array(size);
  const c = new Uint32Array(size);
  i.set(ids);
  c.set(counts);
  ids = i;
  counts = c;
  queued = new Uint32Array(size);
}

/** Adds frame `f` for `writer` to the collection written in this loop iteration's check phase. */
export function queueSharedWrite(shared: IoShared, writer: SharedWriter, f: Buffer): void {
  io = shared;
  if (nativePending) flushNative();
  const last = frames.length - 1;
  const j = last >= 0 && frames[last] === f ? last : last + 1;
  const member = writer.sharedGeneration === generation;
  // the connection must hold every frame before this one: else the collection goes out first
  if (j === MAX_FRAMES || (member ? counts[writer.sharedSlot] !== j : j !== 0)) {
    flushSharedWrites();
    queueSharedWrite(shared, writer, f);
    return;
  }
  if (j === frames.length) frames.push(f);
  if (member) {
    counts[writer.sharedSlot]++;
  } else {
    if (n === ids.length) grow();
    ids[n] = writer.ioId;
    counts[n] = 1;
    writers[n] = writer;
    writer.sharedSlot = n;
    writer.sharedGeneration = generation;
    n++;
  }
  schedule();
}

function schedule(): void {
  if (!scheduled) {
    scheduled = true;
    setImmediate(checkPhase);
  }
}

function checkPhase(): void {
  scheduled = false;
  flushSharedWrites();
}

/**
 * Hands `frames` to a native walk (see native/io/topics.h): ioPublish (`id` a topic, `except` a
 * connection not to reach) or ioBroadcast (`id` a server's tag): collected for every connection
 * walked that can take them there.
 * @param walked at least the connections the walk can reach (JS's count of them)
 * @returns how many took them; the ids of those left to JS are in {@link nativeFallback}
 */
export function walkNative(shared: IoShared, walk: 'ioPublish' | 'ioBroadcast', id: number, except: number, frames: Buffer[], walked: number): number {
  io = shared;
  if (n !== 0) flushCollected();
  if (pinned.length + frames.length > MAX_PINNED) flushNative();
  if (fallback.length <= walked) fallback = new Uint32Array(walked * 2 + 1);
  for (const f of frames) pinned.push(f);
  const r = shared.io[walk](id, except as 0, frames, fallback);
  // (only a broken invariant of the caller's count gets here)
  if (r < 0) throw new Error(`native ${walk} failed (${r})`);
  if (r > 0) {
    nativePending = true;
    schedule();
  }
  return r;
}

/** The connections the last {@link walkNative} left to JS: a copy of their ids (empty: none). */
export function nativeFallback(): Uint32Array {
  const k = fallback[0];
  return k === 0 ? EMPTY_IDS : fallback.slice(1, 1 + k);
}

const EMPTY_IDS = new Uint32Array(0);

function flushNative(): void {
  nativePending = false;
  flushing++;
  try {
    (io as IoShared).io.ioFlushCollected();
  } finally {
    // (C++ goes on until its collection is empty, publishes made from its events included)
    if (--flushing === 0) pinned = [];
  }
}

/** Writes the collected frames to their connections now. */
export function flushSharedWrites(): void {
  flushCollected();
  if (nativePending) flushNative();
}

/** Writes the frames collected in JS (queueSharedWrite). */
function flushCollected(): void {
  const count = n;
  if (count === 0) return;
  const w = writers;
  n = 0;
  writers = [];
  generation++;
  (io as IoShared).io.ioWriteMany(ids, counts, count, frames, queued);
  frames.length = 0;
  for (let i = 0; i < count; i++) w[i].sharedWritten(queued[i]);
}
