/**
 * Data conversions of the ws face: what send/ping/pong accept (as ws: Buffers, typed arrays,
 * ArrayBuffers, strings, numbers, anything Buffer.from takes) and what binary messages are
 * handed out as (binaryType), and a publish's message.
 * @module
 */
import type { BinaryType } from './constants';
import type { PublishMessage } from '../core/topics';
import { isValidUtf8 } from '../codec';
import { InvalidArgumentError } from '../errors';

/**
 * Data as ws's send, ping and pong take it. A `Blob` is read asynchronously (what is sent after
 * it waits for it); a publish does not take one.
 */
export type Sendable = string | number | Buffer | ArrayBuffer | ArrayBufferView | Blob | readonly number[] | { valueOf(): unknown };

/**
 * The bytes of `data` (a view where it can be, no copy), or the Blob itself.
 * @throws TypeError for a value Buffer.from does not take
 */
export function bytesOrBlob(data: Sendable): Buffer | Blob {
  if (Buffer.isBuffer(data)) return data;
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (typeof data === 'number') return Buffer.from(String(data), 'utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data);
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (data instanceof Blob) return data;
  return Buffer.from(data as Parameters<typeof Buffer.from>[0]);
}

/** The byte length of bytes or a Blob. */
export function sizeOf(data: Buffer | Blob): number {
  return data instanceof Blob ? data.size : data.length;
}

/**
 * The bytes of `data`, where they are needed at once (a publish).
 * @throws TypeError for a Blob, or a value Buffer.from does not take
 */
export function bytesOf(data: Sendable): Buffer {
  const bytes = bytesOrBlob(data);
  if (bytes instanceof Blob) throw new TypeError('A Blob cannot be published: read it first (await blob.arrayBuffer())');
  return bytes;
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

/** Options of a publish on the ws face (as send's). */
export interface PublishOptions {
  /** Send as binary (default: true unless `data` is a string or a number). */
  binary?: boolean;
  /** Compress for subscribers with permessage-deflate (default true). */
  compress?: boolean;
}

/**
 * A publish's message from ws's data types and options (text given as bytes must be UTF-8: it
 * goes to many peers, and other servers drop text that is not, RFC 6455 §8.1).
 * @throws TypeError for a value Buffer.from does not take; InvalidArgumentError for text bytes that are not UTF-8
 */
export function publishMessageOf(data: Sendable, options: PublishOptions | undefined): PublishMessage {
  const isString = typeof data === 'string' || typeof data === 'number';
  const text = !(options?.binary ?? !isString);
  const payload = bytesOf(data);
  if (text && !isString && !isValidUtf8(payload)) throw new InvalidArgumentError('A text message must be valid UTF-8 (or pass binary: true)');
  return { payload, text, compress: options?.compress !== false };
}
