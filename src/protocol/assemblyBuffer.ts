/**
 * One growing buffer that a message (or a frame) split into pieces is copied into, so the memory a
 * message takes is proportional to its size, not to its number of fragments or socket reads:
 * no object per piece, no re-copying of what came before except when the buffer doubles.
 * @module
 */
import { Limits } from '../codec/constants';

const EMPTY = Buffer.alloc(0);
/** Pieces shorter than this are copied by a loop (cheaper than a native call for a few bytes). */
const LOOP_COPY_MAX = 128;

/**
 * See the module comment. Capacity: the bytes announced so far (the current frame's end, when
 * known) or double the previous capacity, whichever is more — so at most 2x the message plus
 * {@link Limits.MIN_ASSEMBLY_BUFFER}, and a message in one frame, however chopped, gets exactly
 * its size in one allocation.
 */
export class AssemblyBuffer {
  #buf: Buffer | null = null;
  #len = 0;

  /** Bytes held. */
  get length(): number {
    return this.#len;
  }

  /**
   * Appends `src[start, start + len)`.
   * @param more bytes known to follow soon (the rest of the current frame): sizes the buffer once
   */
  append(src: Uint8Array, start: number, len: number, more: number): void {
    const at = this.#len;
    const need = at + len;
    let buf = this.#buf;
    if (buf === null || need > buf.length) buf = this.#grow(need + more);
    if (len < LOOP_COPY_MAX) {
      for (let i = 0; i < len; i++) buf[at + i] = src[start + i];
    } else {
      buf.set(src.subarray(start, start + len), at);
    }
    this.#len = need;
  }

  #grow(hint: number): Buffer {
    const old = this.#buf;
    const doubled = old === null ? Limits.MIN_ASSEMBLY_BUFFER : Math.min(old.length * 2, Limits.MAX_INCOMING_MESSAGE_SIZE);
    const buf = Buffer.allocUnsafe(hint > doubled ? hint : doubled);
    if (old !== null && this.#len > 0) old.copy(buf, 0, 0, this.#len);
    this.#buf = buf;
    return buf;
  }

  /** Hands out what was assembled (a view of the buffer) and starts over empty. */
  take(): Buffer {
    const out = this.#buf === null ? EMPTY : this.#buf.subarray(0, this.#len);
    this.clear();
    return out;
  }

  /** Drops what was assembled. */
  clear(): void {
    this.#buf = null;
    this.#len = 0;
  }
}
