/**
 * Sec-WebSocket-Accept (RFC 6455 §4.2.2 step 5.4): base64 of the SHA-1 of the key and the GUID,
 * once per accepted connection. Where the CPU has the SHA extensions the addon computes it in
 * about 0.2 µs; node:crypto's one-shot hash sets an OpenSSL digest up per call (0.5-1 µs warm,
 * about 3 µs of self time per connection in a server's accept path under `--cpu-prof`). Elsewhere
 * (no such CPU, no addon) node:crypto serves. Identical results either way.
 * @module
 */
import { hash } from 'node:crypto';
import { native } from './native';

/** RFC 6455 §1.3: the GUID appended to the key before hashing. */
const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** Longer keys (UTF-16 code units) go to node:crypto: the addon takes fewer than 255 UTF-8 bytes. */
const NATIVE_MAX_KEY = 64;

const nativeAccept = native?.acceptKey ?? null;

/** Sec-WebSocket-Accept for a Sec-WebSocket-Key, by node:crypto (the reference the addon is tested against). */
export function acceptKeyByCrypto(key: string): string {
  return hash('sha1', key + WS_GUID, 'base64');
}

/** Sec-WebSocket-Accept for a Sec-WebSocket-Key (its UTF-8 bytes, as node:crypto hashes a string). */
export function acceptKey(key: string): string {
  return nativeAccept !== null && key.length <= NATIVE_MAX_KEY ? nativeAccept(key) : acceptKeyByCrypto(key);
}
