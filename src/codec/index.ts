/**
 * The codec layer: frame decoding, encoding, masking and UTF-8 validation, by the native addon
 * when it is loaded, else by the pure-TS twins with identical results.
 * @module
 */
import * as maskFallback from './mask.fallback';
import * as utf8Fallback from './utf8.fallback';
import { native } from './native';

export { FrameDecoder, takeRecords, giveRecords, type DecoderOptions } from './decoder';
export { encodeFrame, encodeFrameInto, encodeHeader, headerSize, writeHeader, maskInto, NATIVE_MASK_THRESHOLD } from './encoder';
export { nextMaskKey } from './maskPool';
export { nativeLoadError, codecStatus, type CodecStatus } from './native';

/** Which implementation is active: 'native' (the addon) or 'fallback' (pure TS). */
export function codecImplementation(): 'native' | 'fallback' {
  return native !== null ? 'native' : 'fallback';
}

/** Masks `src` into `dst` at `dstOffset` (phase 0); `src` is not modified. */
export const mask: (src: Uint8Array, dst: Uint8Array, dstOffset: number, key: number) => void =
  native !== null ? native.mask : maskFallback.mask;

/** Unmasks `buf` in place (phase 0). */
export const unmask: (buf: Uint8Array, key: number) => void = native !== null ? native.unmask : maskFallback.unmask;

/** Incremental UTF-8 validation; see {@link utf8Fallback.utf8Step}. */
export const utf8Step: (state: number, buf: Uint8Array, start: number, end: number) => number =
  native !== null ? native.utf8Step : utf8Fallback.utf8Step;

/** True when `buf` is entirely valid UTF-8. */
export const isValidUtf8: (buf: Uint8Array) => boolean = native !== null ? native.isValidUtf8 : utf8Fallback.isValidUtf8;
