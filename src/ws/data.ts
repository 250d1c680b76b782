/**
 * Data conversions of the ws face: what send/ping/pong accept (as ws: Buffers, typed arrays,
 * ArrayBuffers, strings, numbers, anything Buffer.from takes) and what binary messages are
 * handed out as (binaryType).
 * @module
 */
import type { BinaryType } from './constants';

/** Data as ws's send, ping and pong take it. */
export type Sendable = string | number | Buffer | ArrayBuffer | ArrayBufferView | readonly number[] | { valueOf(): unknown };

/**
 * The bytes of `data` (a view where it can be, no copy).
 * @throws TypeError for a value Buffer.from does not take
 */
export function bytesOf(data: Sendable): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (typeof data === 'number') return Buffer.from(String(data), 'utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data);
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data as Parameters<typeof Buffer.from>[0]);
}

/** The bytes of a binary message as `type` asks (a view for nodebuffer and fragments). */
export function binaryAs(type: BinaryType, message: Buffer): Buffer | ArrayBuffer | Buffer[] | Blob {
  switch (type) {
    case 'nodebuffer':
      return message;
    case 'fragments':
      // the core assembles a message's fragments into one buffer as they come: one fragment
      return [message];
    case 'arraybuffer':
      return message.byteOffset === 0 && message.byteLength === message.buffer.byteLength
        ? (message.buffer as ArrayBuffer)
        : (message.buffer.slice(message.byteOffset, message.byteOffset + message.byteLength) as ArrayBuffer);
    case 'blob':
      return new Blob([message]);
  }
}
