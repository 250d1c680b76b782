/** Counts what the addon's native walks (ioPublish, ioBroadcast: native/io/topics) do in a test. */
import { vi } from 'vitest';
import { native } from '../../src/codec/native';
import { nativeTransportStatus } from '../../src/transport/native/nativeIo';

/** True when connections run on the native transport (else the walks are JS's and nothing is counted). */
export const onNative = nativeTransportStatus() === 'native';

type Walk = (id: number, except: number, frames: Buffer[], fallback: Uint32Array) => number;

/**
 * Wraps the addon's `walk` (restore with vi.restoreAllMocks) and counts the connections it
 * collected frames for and those it left to JS.
 */
export function watchNativeWalk(walk: 'ioPublish' | 'ioBroadcast'): { collected: number; fallback: number } {
  const seen = { collected: 0, fallback: 0 };
  if (!onNative) return seen;
  const io = native as unknown as Record<typeof walk, Walk>;
  const real = io[walk].bind(io);
  vi.spyOn(io, walk).mockImplementation((id, except, frames, out) => {
    const r = real(id, except, frames, out);
    seen.collected += r;
    seen.fallback += out[0];
    return r;
  });
  return seen;
}
