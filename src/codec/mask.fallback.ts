/**
 * Pure-TS masking (RFC 6455 §5.3), the twin of native/core/mask.cc.
 * A mask key is a uint32 whose byte i (little-endian) is the i-th key octet; `phase` is the
 * key index of the first byte (non-zero when a payload is masked in several pieces).
 * @module
 */

/** XORs `buf[start..end)` in place with the key starting at `phase`. */
export function unmaskRange(buf: Uint8Array, start: number, end: number, key: number, phase: number): void {
  const k0 = (key >>> (8 * (phase & 3))) & 0xff;
  const k1 = (key >>> (8 * ((phase + 1) & 3))) & 0xff;
  const k2 = (key >>> (8 * ((phase + 2) & 3))) & 0xff;
  const k3 = (key >>> (8 * ((phase + 3) & 3))) & 0xff;
  let i = start;
  const end4 = start + ((end - start) & ~3);
  for (; i < end4; i += 4) {
    buf[i] ^= k0;
    buf[i + 1] ^= k1;
    buf[i + 2] ^= k2;
    buf[i + 3] ^= k3;
  }
  if (i < end) buf[i++] ^= k0;
  if (i < end) buf[i++] ^= k1;
  if (i < end) buf[i] ^= k2;
}

/** Unmasks the whole of `buf` in place (key phase 0). */
export function unmask(buf: Uint8Array, key: number): void {
  unmaskRange(buf, 0, buf.length, key, 0);
}

/** Writes `src` XOR key (phase 0) into `dst` at `dstOffset`; `src` is never modified. */
export function mask(src: Uint8Array, dst: Uint8Array, dstOffset: number, key: number): void {
  const k0 = key & 0xff;
  const k1 = (key >>> 8) & 0xff;
  const k2 = (key >>> 16) & 0xff;
  const k3 = key >>> 24;
  const n = src.length;
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    dst[dstOffset + i] = src[i] ^ k0;
    dst[dstOffset + i + 1] = src[i + 1] ^ k1;
    dst[dstOffset + i + 2] = src[i + 2] ^ k2;
    dst[dstOffset + i + 3] = src[i + 3] ^ k3;
  }
  if (i < n) { dst[dstOffset + i] = src[i] ^ k0; i++; }
  if (i < n) { dst[dstOffset + i] = src[i] ^ k1; i++; }
  if (i < n) dst[dstOffset + i] = src[i] ^ k2;
}
