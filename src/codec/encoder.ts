/**
 * Frame encoding for send (RFC 6455 §5.2): headers in TS (a few bytes, cheaper than a native
 * call), masking through the native addon above a size threshold measured by bench/codec.
 * @module
 */
import { Limits } from './constants';
import { native } from './native';
import * as fallback from './mask.fallback';

/** Payloads at least this long are masked natively; below it the JS call overhead dominates. */
export const NATIVE_MASK_THRESHOLD = 64;

/** Bytes needed for a frame header with this payload length. */
export function headerSize(len: number, masked: boolean): number {
  return (len < 126 ? 2 : len < 0x10000 ? 4 : 10) + (masked ? 4 : 0);
}

/**
 * Writes a frame header at `dst[off]`.
 * @param b0 first header byte: FIN (0x80) | RSV1 (0x40) | opcode
 * @param key mask key (little-endian uint32) when `masked`
 * @returns the offset after the header
 */
export function writeHeader(dst: Uint8Array, off: number, b0: number, len: number, masked: boolean, key: number): number {
  dst[off++] = b0;
  const m = masked ? 0x80 : 0;
  if (len < 126) {
    dst[off++] = m | len;
  } else if (len < 0x10000) {
    dst[off++] = m | 126;
    dst[off++] = len >>> 8;
    dst[off++] = len & 0xff;
  } else {
    dst[off++] = m | 127;
    const hi = Math.floor(len / 0x100000000);
    dst[off++] = hi >>> 24;
    dst[off++] = (hi >>> 16) & 0xff;
    dst[off++] = (hi >>> 8) & 0xff;
    dst[off++] = hi & 0xff;
    dst[off++] = len >>> 24;
    dst[off++] = (len >>> 16) & 0xff;
    dst[off++] = (len >>> 8) & 0xff;
    dst[off++] = len & 0xff;
  }
  if (masked) {
    dst[off++] = key & 0xff;
    dst[off++] = (key >>> 8) & 0xff;
    dst[off++] = (key >>> 16) & 0xff;
    dst[off++] = key >>> 24;
  }
  return off;
}

/** Masks `src` into `dst[off..]` with the fastest path for its size; `src` is not modified. */
export function maskInto(src: Uint8Array, dst: Uint8Array, off: number, key: number): void {
  if (native !== null && src.length >= NATIVE_MASK_THRESHOLD) native.mask(src, dst, off, key);
  else fallback.mask(src, dst, off, key);
}

/**
 * Writes header + payload at `dst[off..]` (masked copy when `masked`, plain copy otherwise).
 * @returns the offset after the frame
 */
export function encodeFrameInto(dst: Uint8Array, off: number, b0: number, payload: Uint8Array, masked: boolean, key: number): number {
  off = writeHeader(dst, off, b0, payload.length, masked, key);
  if (masked) maskInto(payload, dst, off, key);
  else dst.set(payload, off);
  return off + payload.length;
}

/**
 * One frame in one new buffer: the client's header + masked copy (the caller's payload is never
 * mutated), or, unmasked, header + copy.
 */
export function encodeFrame(b0: number, payload: Uint8Array, masked: boolean, key: number): Buffer {
  const out = Buffer.allocUnsafe(headerSize(payload.length, masked) + payload.length);
  encodeFrameInto(out, 0, b0, payload, masked, key);
  return out;
}

/** A frame header alone, for writev with an unmasked payload that is not copied. */
export function encodeHeader(b0: number, len: number, masked: boolean, key: number): Buffer {
  const out = Buffer.allocUnsafe(headerSize(len, masked));
  writeHeader(out, 0, b0, len, masked, key);
  return out;
}

export const MAX_HEADER_SIZE = Limits.MAX_HEADER_SIZE;
