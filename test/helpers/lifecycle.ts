/** Per-file and per-test set-up shared by the integration tests. */
import { afterAll, afterEach, beforeAll } from 'vitest';
import { makeTestCerts, type TestCerts } from './certs';

/** Test certificates made before the file's tests and removed after them; call the result to get them. */
export function useTestCerts(): () => TestCerts {
  let certs: TestCerts | null = null;
  beforeAll(() => {
    certs = makeTestCerts();
  });
  afterAll(() => certs?.cleanup());
  return () => {
    if (certs === null) throw new Error('test certificates are made in beforeAll');
    return certs;
  };
}

/** A list of clean-ups run (last first, awaited) after each test. */
export function useCleanups(): Array<() => unknown> {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  return cleanups;
}
