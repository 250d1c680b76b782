/**
 * One growing buffer that a message (or a frame) split into pieces is copied into, so the memory a
 * message takes is proportional to its size, not to its number of fragments or socket reads:
 * no object per piece, no re-copying of what came before except when the buffer doubles.
 * A message whose pieces lie one after another in a read buffer the transport keeps (the native
 * transport's, while it is told so) can instead be held where it was read: no copy, no buffer
 * of its own, until a piece does not follow the previous one there.
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
  /** Held in place: the bytes are #buf's (a read buffer) from here; -1: #buf is our own. */
  #at = -1;

  /** Bytes held. */
  get length(): number {
    return this.#len;
  }

  /**
   * Appends `src[start, start + len)`.
   * @param more bytes known to follow soon (the rest of the current frame): sizes the buffer once
   */
  append(src: Uint8Array, start: number, len: number, more: number): void {
    if (this.#at >= 0) {
      if (src === this.#buf && start === this.#at + this.#len) {
        this.#len += len;
        return;
      }
      this.#ownCopy(len + more);
    }
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

  /**
   * Holds `src[start, start + len)` where it lies, as the first piece (nothing held yet): the
   * caller keeps `src` as it is for as long as {@link holdsIn} says so.
   */
  hold(src: Buffer, start: number, len: number): void {
    this.#buf = src;
    this.#at = start;
    this.#len = len;
  }

  /** Whether the bytes are held in place in `src`. */
  holdsIn(src: Uint8Array): boolean {
    return this.#at >= 0 && this.#buf === src;
  }

  /** Moves bytes held in place into a buffer of our own, with room for `extra` more. */
  #ownCopy(extra: number): void {
    const src = this.#buf as Buffer;
    const buf = Buffer.allocUnsafe(Math.max(this.#len + extra, Limits.MIN_ASSEMBLY_BUFFER));
    src.copy(buf, 0, this.#at, this.#at + this.#len);
    this.#buf = buf;
    this.#at = -1;
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
    const from = this.#at >= 0 ? this.#at : 0;
    const out = this.#buf === null ? EMPTY : this.#buf.subarray(from, from + this.#len);
    this.clear();
    return out;
  }

  /** Drops what was assembled. */
  clear(): void {
    this.#buf = null;
    this.#len = 0;
    this.#at = -1;
  }
}
