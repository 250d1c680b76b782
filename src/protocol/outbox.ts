/**
 * Outgoing bytes of one connection, waiting for the transport to write them in one go.
 *
 * Small frames are written into ONE batch buffer shared by every connection in the process: each
 * connection owns a contiguous region of it until another connection writes, and regions are
 * handed to the socket as subarrays (never overwritten: the batch only moves forward). So an echo
 * of 100 small messages costs one buffer region and one write, and an idle connection holds no
 * buffer at all. Large unmasked payloads are queued by reference, never copied.
 *
 * A transport that copies what the kernel does not take at once (the native one) hands the
 * region back after its write ({@link Outbox.written}): when it is still the end of the batch,
 * the next frames go to the same bytes — cache-warm memory, and no fresh 64 KiB batch (and its
 * page faults) per 64 KiB written.
 * @module
 */

const BATCH_SIZE = 64 * 1024;

let batch: Buffer = Buffer.allocUnsafe(BATCH_SIZE);
let batchPos = 0;
let owner: Outbox | null = null;
let ownerStart = 0;
/** The region the last seal() queued, while nothing was reserved after it (else null). */
let tail: Buffer | null = null;
let tailStart = 0;

/** One connection's queue of outgoing buffers. */
export class Outbox {
  /** Buffers ready to write, in order. */
  #queue: Buffer[] | null = null;
  /** Bytes queued, including this outbox's open batch region. */
  #bytes = 0;

  /** Total bytes waiting. */
  get bytes(): number {
    return this.#bytes;
  }

  /**
   * Room for `n` bytes in the shared batch, owned by this outbox.
   * @returns the batch buffer and the offset to write at; call {@link commit} with the end offset.
   */
  reserve(n: number): Buffer {
    if (owner !== this) {
      if (owner !== null) owner.seal();
      owner = this;
      ownerStart = batchPos;
      tail = null;
    }
    if (batchPos + n > batch.length) {
      this.seal();
      batch = Buffer.allocUnsafe(n > BATCH_SIZE ? n : BATCH_SIZE);
      batchPos = 0;
      owner = this;
      ownerStart = 0;
      tail = null;
    }
    return batch;
  }

  /** Current write offset in the batch returned by {@link reserve}. */
  get offset(): number {
    return batchPos;
  }

  /** Marks batch bytes up to `end` as written by this outbox. */
  commit(end: number): void {
    this.#bytes += end - batchPos;
    batchPos = end;
  }

  /** Queues a buffer by reference (large payloads: no copy). */
  push(buf: Buffer): void {
    if (owner === this) this.seal();
    (this.#queue ??= []).push(buf);
    this.#bytes += buf.length;
  }

  /** Closes this outbox's open batch region into the queue. */
  seal(): void {
    if (owner !== this) return;
    if (batchPos > ownerStart) {
      tail = batch.subarray(ownerStart, batchPos);
      tailStart = ownerStart;
      (this.#queue ??= []).push(tail);
    }
    owner = null;
  }

  /** Takes everything queued; the caller writes it. Returns null when empty. */
  take(): Buffer[] | null {
    this.seal();
    const q = this.#queue;
    if (q === null || q.length === 0) return null;
    this.#queue = null;
    this.#bytes = 0;
    return q;
  }

  /**
   * The transport is done with the buffers of the last {@link take} (`last` is its last one):
   * their bytes went to the kernel or were copied. When that is the batch's newest region, the
   * batch rewinds over it.
   */
  written(last: Buffer): void {
    if (last === tail) {
      batchPos = tailStart;
      tail = null;
    }
  }

  /** Drops everything queued (abort). */
  clear(): void {
    this.seal();
    this.#queue = null;
    this.#bytes = 0;
  }
}
