/**
 * Loads the native addon (prebuilt from `prebuilds/`, or the local `build/`), unless
 * `QWS_NO_NATIVE=1`. A missing addon or one with another record layout leaves the TS fallback
 * in charge; {@link nativeLoadError} tells why.
 * @module
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Record } from './constants';

/** The functions the N-API addon exports (native/binding/binding.cc). */
export interface NativeBinding {
  layoutVersion(): number;
  /** Which vector path the addon uses: 'avx2', 'sse2', 'neon' or 'scalar'. */
  simd(): string;
  decode(state: Uint8Array, chunk: Uint8Array, offset: number, records: Uint32Array): number;
  mask(src: Uint8Array, dst: Uint8Array, dstOffset: number, key: number): void;
  unmask(buf: Uint8Array, key: number): void;
  utf8Step(state: number, buf: Uint8Array, start: number, end: number): number;
  isValidUtf8(buf: Uint8Array): boolean;
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
