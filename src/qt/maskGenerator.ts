/**
 * Qt's QMaskGenerator on the Qt face: the default generator and the check a user's generator
 * passes before a socket installs it.
 * @module
 */
import { nextMaskKey } from '../codec';
import { InvalidArgumentError } from '../errors';
import type { MaskGenerator } from './types';

/** The default mask generator: keys from a crypto-random pool refilled in bulk. */
export const defaultMaskGenerator: MaskGenerator = Object.freeze({
  seed: () => true,
  nextMask: nextMaskKey,
});

/**
 * `generator` once seeded (Qt calls seed() when a generator is installed); null means the default.
 * @throws InvalidArgumentError when seed() returns false or the object lacks nextMask()
 */
export function installableMaskGenerator(generator: MaskGenerator | null): MaskGenerator {
  if (generator === null) return defaultMaskGenerator;
  if (typeof generator.nextMask !== 'function' || typeof generator.seed !== 'function') {
    throw new InvalidArgumentError('A MaskGenerator needs seed() and nextMask()');
  }
  if (!generator.seed()) throw new InvalidArgumentError('MaskGenerator.seed() failed');
  return generator;
}
