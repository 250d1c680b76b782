/** Waiting and heap helpers shared by the soak and browser tests. */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Resolves once `cond()` holds; throws with `what()` after `timeoutMs`. */
export async function until(cond: () => boolean, timeoutMs: number, what: () => string, stepMs = 20): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting: ${what()}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

/** global.gc, exposed at runtime when the worker was not started with --expose-gc. */
export function getGc(): (() => void) | null {
  const g = (globalThis as { gc?: () => void }).gc;
  if (typeof g === 'function') return g;
  try {
    setFlagsFromString('--expose-gc');
    const fn = runInNewContext('gc') as unknown;
    return typeof fn === 'function' ? (fn as () => void) : null;
  } catch {
    return null;
  }
}

/** Heap in use, after a few collections when gc is available. */
export async function heapNow(gc: (() => void) | null): Promise<number> {
  if (gc !== null) {
    for (let i = 0; i < 3; i++) {
      gc();
      await new Promise((r) => setImmediate(r));
    }
  }
  return process.memoryUsage().heapUsed;
}
