import { describe, expect, it } from 'vitest';
import { codecImplementation, nativeLoadError } from '../../../src/codec';

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
});
