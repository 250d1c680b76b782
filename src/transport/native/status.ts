/**
 * What the native addon does in this process, for users: the codec (see codec/native) and the
 * transport (see nativeIo), each with the reason when the TypeScript / net.Socket path serves.
 * @module
 */
import { codecStatus } from '../../codec/native';
import { nativeTransportStatus } from './nativeIo';

/** What {@link nativeStatus} returns. */
export interface NativeStatus {
  /** True when the C++ addon does the codec work. */
  loaded: boolean;
  /** The addon's vector path ('avx512', 'avx2', 'sse2', 'neon', 'scalar'), null when not loaded. */
  simd: string | null;
  /** Why the TypeScript codec is in charge, in words; null when the addon is loaded. */
  error: string | null;
  /**
   * 'native' when plain TCP connections run on the addon's transport; otherwise why they run on
   * net.Socket (disabled, no addon, a stale build of it, a platform without it), in words.
   */
  transport: string;
}

/**
 * Whether the native addon is in charge of the codec (which vector path it takes) and of the
 * transport, and if not, why (in words). The fallbacks give identical results, only slower.
 */
export function nativeStatus(): NativeStatus {
  return { ...codecStatus(), transport: nativeTransportStatus() };
}
