import { describe, expect, it } from 'vitest';
import { codecImplementation, nativeLoadError, codecStatus } from '../../../src/codec';
import * as pkg from '../../../src/index';

describe('native addon loading', () => {
  it('is active unless QWS_NO_NATIVE=1 (CI builds it before testing)', () => {
    if (process.env.QWS_NO_NATIVE === '1') {
      expect(codecImplementation()).toBe('fallback');
      expect(nativeLoadError()?.message).toContain('QWS_NO_NATIVE');
    } else {
      expect(nativeLoadError()).toBeNull();
      expect(codecImplementation()).toBe('native');
    }
  });

  it('nativeStatus() (a public export) says which codec path runs, or in words why the fallback does', () => {
    const s = pkg.nativeStatus();
    expect(s).toMatchObject(codecStatus());
    if (process.env.QWS_NO_NATIVE === '1') {
      expect(s).toMatchObject({ loaded: false, simd: null, error: expect.stringContaining('disabled by QWS_NO_NATIVE=1') });
      expect(s.error).toContain('TypeScript codec');
    } else {
      expect(s.loaded).toBe(true);
      expect(s.error).toBeNull();
      expect(['avx512', 'avx2', 'sse2', 'neon', 'scalar']).toContain(s.simd);
      if (process.arch === 'arm64') expect(s.simd).toBe('neon');
    }
  });
});
