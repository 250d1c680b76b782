/**
 * Pure-TS incremental UTF-8 validation (RFC 3629 §4), the twin of native/core/utf8.cc.
 * The state word is described in {@link Utf8State}: 0 at a code-point boundary, otherwise
 * `need | lo << 8 | hi << 16` for the next continuation byte.
 * @module
 */
import { Utf8State } from './constants';

const INVALID = Utf8State.INVALID;

/**
 * Validates `buf[start..end)` continuing from `state`.
 * @returns the new state (0 at a boundary) or `Utf8State.INVALID` at the first bad byte.
 */
export function utf8Step(state: number, buf: Uint8Array, start: number, end: number): number {
  let i = start;
  let need = state & 3;
  let lo = (state >>> 8) & 0xff;
  let hi = (state >>> 16) & 0xff;
  while (i < end) {
    if (need === 0) {
      // ASCII run: the common case, one compare per byte
      while (i < end && buf[i] < 0x80) i++;
      if (i === end) break;
      const b = buf[i++];
      if (b < 0xc2) return INVALID;
      if (b < 0xe0) {
        need = 1; lo = 0x80; hi = 0xbf;
      } else if (b < 0xf0) {
        need = 2;
        lo = b === 0xe0 ? 0xa0 : 0x80;
        hi = b === 0xed ? 0x9f : 0xbf;
      } else if (b < 0xf5) {
        need = 3;
        lo = b === 0xf0 ? 0x90 : 0x80;
        hi = b === 0xf4 ? 0x8f : 0xbf;
      } else {
        return INVALID;
      }
    } else {
      const b = buf[i++];
      if (b < lo || b > hi) return INVALID;
      need--;
      lo = 0x80;
      hi = 0xbf;
    }
  }
  return need === 0 ? 0 : (need | (lo << 8) | (hi << 16)) >>> 0;
}

/** True when the whole of `buf` is valid UTF-8. */
export function isValidUtf8(buf: Uint8Array): boolean {
  return utf8Step(0, buf, 0, buf.length) === 0;
}
