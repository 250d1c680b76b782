/**
 * Mask keys from a crypto-random pool refilled in bulk (RFC 6455 §5.3 wants unpredictable keys;
 * one randomFillSync per 1024 keys instead of one RNG call per frame).
 * @module
 */
import { randomFillSync } from 'node:crypto';

const KEYS = 1024;
const pool = new Uint32Array(KEYS);
let next = KEYS;

/** The next random 32-bit mask key. */
export function nextMaskKey(): number {
  if (next === KEYS) {
    randomFillSync(pool);
    next = 0;
  }
  return pool[next++];
}
