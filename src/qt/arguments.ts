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

/** A ws:// or wss:// URL (where a Qt constructor expects an origin or a server name). */
export function looksLikeWebSocketUrl(value: unknown): boolean {
  if (value instanceof URL) return value.protocol === 'ws:' || value.protocol === 'wss:';
  return typeof value === 'string' && /^wss?:\/\//i.test(value.trim());
}

/**
 * The foot-gun of ws's `new WebSocket(url)` on the Qt face, whose first argument is the Origin.
 * @throws TypeError for a ws:// or wss:// URL, saying where the URL goes
 */
export function checkOriginArgument(origin: unknown): void {
  if (!looksLikeWebSocketUrl(origin)) return;
  throw new TypeError(
    `new WebSocket(${JSON.stringify(String(origin).slice(0, 100))}): the first argument is the Origin header, not the URL to connect to. ` +
      "Pass the URL to open() (new WebSocket().open(url)), or use require('qwebsocket/ws') for the ws-style new WebSocket(url).",
  );
}

/**
 * A view of any binary value as a Uint8Array over the same memory (no copy).
 * @throws InvalidArgumentError for anything else (for a Blob, saying how to pass its bytes)
 */
export function bytesOf(data: unknown, what: string): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (data instanceof ArrayBuffer || (typeof SharedArrayBuffer !== 'undefined' && data instanceof SharedArrayBuffer)) return new Uint8Array(data);
  // Qt's sendBinaryMessage returns the bytes sent at once; a Blob's bytes only come asynchronously
  if (data instanceof Blob) throw new InvalidArgumentError(`${what} takes the bytes, not a Blob: pass await blob.arrayBuffer() (or use qwebsocket/ws, whose send() takes a Blob)`);
  throw new InvalidArgumentError(`${what} expects an ArrayBuffer, an ArrayBufferView or a Buffer`);
}
