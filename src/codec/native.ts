/**
 * Loads the native addon (prebuilt from `prebuilds/`, or the local `build/`), unless
 * `QWS_NO_NATIVE=1`. A missing addon or one with another record layout leaves the TS fallback
 * in charge; {@link nativeLoadError} tells why, {@link codecStatus} says it in words.
 * @module
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Record } from './constants';

/** The functions the N-API addon exports (native/binding/binding.cc). */
export interface NativeBinding {
  layoutVersion(): number;
  /** Which vector path the addon uses: 'avx512', 'avx2', 'sse2', 'neon' or 'scalar'. */
  simd(): string;
  decode(state: Uint8Array, chunk: Uint8Array, offset: number, records: Uint32Array): number;
  mask(src: Uint8Array, dst: Uint8Array, dstOffset: number, key: number): void;
  unmask(buf: Uint8Array, key: number): void;
  utf8Step(state: number, buf: Uint8Array, start: number, end: number): number;
  isValidUtf8(buf: Uint8Array): boolean;
  /** Sec-WebSocket-Accept for a key of fewer than 255 UTF-8 bytes; only on CPUs with the SHA extensions (see acceptKey.ts). */
  acceptKey?(key: string): string;
}

/** What {@link codecStatus} returns. */
export interface CodecStatus {
  /** True when the C++ addon does the codec work. */
  loaded: boolean;
  /** The addon's vector path ('avx512', 'avx2', 'sse2', 'neon', 'scalar'), null when not loaded. */
  simd: string | null;
  /** Why the TypeScript fallback is in charge, in words; null when the addon is loaded. */
  error: string | null;
}

function packageRoot(): string {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    if (fs.existsSync(path.join(dir, 'binding.gyp'))) return dir;
    dir = path.dirname(dir);
  }
  return path.resolve(__dirname, '..', '..');
}

let loaded: NativeBinding | null = null;
let loadError: Error | null = null;

if (process.env.QWS_NO_NATIVE === '1') {
  loadError = new Error('disabled by QWS_NO_NATIVE=1');
} else {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const load = require('node-gyp-build') as (dir: string) => NativeBinding;
    const b = load(packageRoot());
    if (b.layoutVersion() !== Record.LAYOUT_VERSION) {
      throw new Error(`native addon has record layout ${b.layoutVersion()}, expected ${Record.LAYOUT_VERSION}`);
    }
    loaded = b;
  } catch (e) {
    loadError = e instanceof Error ? e : new Error(String(e));
  }
}

/** The loaded addon, or null when the fallback is in charge. */
export const native: NativeBinding | null = loaded;

/** Why the addon is not in use (null when it is). */
export function nativeLoadError(): Error | null {
  return loadError;
}

/**
 * Turns a load failure into a sentence a user can act on. node-gyp-build's "No native build was
 * found" means neither a prebuild for this platform nor a local build exists; anything else is
 * an addon that exists but would not load (wrong libc, wrong layout, a damaged file).
 */
function describe(err: Error): string {
  const msg = err.message.split('\n')[0]!;
  if (msg.startsWith('disabled by')) return `the native addon is ${msg}; the TypeScript codec is in use`;
  if (msg.startsWith('No native build was found')) {
    return (
      `no prebuilt addon for ${process.platform}-${process.arch} and no local build (build/Release); ` +
      'the TypeScript codec is in use (with a C++ toolchain, `npm rebuild qwebsocket` builds one)'
    );
  }
  return `the native addon failed to load (${msg}); the TypeScript codec is in use`;
}

/**
 * Whether the native addon is in charge of the codec, which vector path it takes, and if it is
 * not loaded, why (in words). The TypeScript fallback gives identical results, only slower.
 */
export function codecStatus(): CodecStatus {
  if (loaded !== null) return { loaded: true, simd: loaded.simd(), error: null };
  return { loaded: false, simd: null, error: describe(loadError ?? new Error('not loaded')) };
}
