/**
 * Argument checks and conversions of the Qt face's methods.
 * @module
 */
import { InvalidArgumentError } from '../errors';
import type { NetworkRequest } from './types';

/** A request's extra headers as [name, value] pairs (repeated names kept). */
export function headerPairs(h: NetworkRequest['headers']): Array<[string, string]> {
  if (h === undefined) return [];
  if (Array.isArray(h)) return h.map(([k, v]) => [String(k), String(v)]);
  return Object.entries(h as Record<string, string>).map(([k, v]) => [k, String(v)]);
}

/**
 * @returns `value` when it is an integer in 0..max
 * @throws InvalidArgumentError otherwise
 */
export function checkSize(name: string, value: unknown, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max) {
    throw new InvalidArgumentError(`${name} must be an integer between 0 and ${max}, got ${String(value)}`);
  }
  return value;
}

/** A ws:// or wss:// URL (where a Qt constructor expects an origin or a server name). */
export function looksLikeWebSocketUrl(value: unknown): boolean {
  if (value instanceof URL) return value.protocol === 'ws:' || value.protocol === 'wss:';
  return typeof value === 'string' && /^wss?:\/\//i.test(value.trim());
}

/**
 * A view of any binary value as a Uint8Array over the same memory (no copy).
 * @throws InvalidArgumentError for anything else
 */
export function bytesOf(data: unknown, what: string): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (data instanceof ArrayBuffer || (typeof SharedArrayBuffer !== 'undefined' && data instanceof SharedArrayBuffer)) return new Uint8Array(data);
  throw new InvalidArgumentError(`${what} expects an ArrayBuffer, an ArrayBufferView or a Buffer`);
}
