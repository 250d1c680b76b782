/**
 * The write-side limits of a connection, as types and defaults on their own: faces name
 * {@link BufferPolicy} in their public API, and a module of types only keeps the transport's
 * classes out of the faces' shipped declarations.
 * @module
 */
import { Limits } from '../codec/constants';

/** What a connection does when its unsent bytes exceed the cap. */
export type BufferPolicy = 'close' | 'pause';

/** The write-side limits of one connection (shared frozen objects; replaced, never mutated). */
export interface WriteLimits {
  /** Cap on unsent bytes (frame bytes as on the wire), 0 = none. */
  readonly maxBufferedBytes: number;
  readonly policy: BufferPolicy;
  /** drained is emitted when unsent bytes fall to `lowWater` after exceeding `highWater`. */
  readonly highWater: number;
  readonly lowWater: number;
}

/** Our defaults (see README "Limits and defaults"). */
export const DEFAULT_WRITE_LIMITS: WriteLimits = Object.freeze({
  maxBufferedBytes: Limits.DEFAULT_MAX_BUFFERED_BYTES,
  policy: 'close',
  highWater: Limits.DEFAULT_WRITE_HIGH_WATER_MARK,
  lowWater: Limits.DEFAULT_WRITE_LOW_WATER_MARK,
});
