/**
 * Close-frame payloads (RFC 6455 §5.5.1, §7.4).
 * @module
 */
import { InvalidArgumentError } from '../errors';
import { CloseCode, Limits } from '../codec/constants';

/** Codes an endpoint may put in a close frame it sends (RFC 6455 §7.4.1: not 1005, 1006, 1015). */
export function isSendableCloseCode(code: number): boolean {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}

/** Cuts `reason` to at most `max` UTF-8 bytes without splitting a code point. */
export function truncateUtf8(reason: string, max: number = Limits.MAX_CLOSE_REASON): Buffer {
  const bytes = Buffer.from(reason, 'utf8');
  if (bytes.length <= max) return bytes;
  let end = max;
  // back up over continuation bytes (10xxxxxx) so the cut falls on a code-point boundary
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end);
}

/**
 * The payload of a close frame we send. CloseCodeMissingStatusCode (1005) sends no payload.
 * @throws InvalidArgumentError for a code that may not be sent
 */
export function closePayload(code: number, reason: string): Buffer {
  if (code === CloseCode.CloseCodeMissingStatusCode) return Buffer.alloc(0);
  if (!Number.isInteger(code) || !isSendableCloseCode(code)) {
    throw new InvalidArgumentError(`Close code ${code} may not be sent in a close frame (RFC 6455 §7.4)`);
  }
  const r = truncateUtf8(reason);
  const out = Buffer.allocUnsafe(2 + r.length);
  out.writeUInt16BE(code, 0);
  r.copy(out, 2);
  return out;
}
