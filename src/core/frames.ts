/**
 * Messages framed once for many server connections: server frames are unmasked (RFC 6455
 * §5.1), so the same bytes serve every peer. Used by broadcasts (and the topics registry).
 * @module
 */
import { Opcode } from '../codec/constants';
import { encodeFrame } from '../codec';

/**
 * The unmasked frames of one message, fragmented at `maxFrameSize` (RFC 6455 §5.4).
 * @param message text (sent as UTF-8) or binary bytes (referenced, not copied, when large)
 */
export function serverFrames(message: string | Uint8Array, maxFrameSize: number): Buffer[] {
  const text = typeof message === 'string';
  const payload = text ? Buffer.from(message, 'utf8') : Buffer.from(message.buffer, message.byteOffset, message.byteLength);
  const opcode = text ? Opcode.Text : Opcode.Binary;
  if (payload.length <= maxFrameSize) return [encodeFrame(0x80 | opcode, payload, false, 0)];
  const frames: Buffer[] = [];
  for (let off = 0; off < payload.length; off += maxFrameSize) {
    const end = Math.min(off + maxFrameSize, payload.length);
    frames.push(encodeFrame((end === payload.length ? 0x80 : 0) | (off === 0 ? opcode : Opcode.Continuation), payload.subarray(off, end), false, 0));
  }
  return frames;
}
