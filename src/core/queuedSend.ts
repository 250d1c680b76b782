/**
 * What a send put behind a message being read (an {@link Endpoint}'s send queue, see
 * ./sendQueue) does once its turn comes: the connection call it stands for, and the payload
 * bytes it counts while it waits.
 * @module
 */
import type { ConnectionBase } from '../transport/connectionBase';

/** The sends that can wait behind a message being read. */
export type QueuedSend = 'text' | 'binary' | 'bytes' | 'ping' | 'pong' | 'encoded' | 'shared';

/**
 * The send of `kind` with `data` (and, for 'bytes', `text`, `fin`, `compress`) on `conn`, and its
 * payload bytes.
 */
export function queuedSend(conn: ConnectionBase, kind: QueuedSend, data: string | Uint8Array | readonly Buffer[], text: boolean, fin: boolean, compress: boolean): { bytes: number; send: () => unknown } {
  switch (kind) {
    case 'text':
      return { bytes: Buffer.byteLength(data as string), send: () => conn.sendText(data as string) };
    case 'binary':
      return { bytes: (data as Uint8Array).length, send: () => conn.sendBinary(data as Uint8Array) };
    case 'bytes':
      return { bytes: (data as Buffer).length, send: () => conn.sendBytes(data as Buffer, text, fin, compress) };
    case 'ping':
      return { bytes: (data as Uint8Array).length, send: () => conn.session.sendPing(data as Uint8Array) };
    case 'pong':
      return { bytes: (data as Uint8Array).length, send: () => conn.session.sendPong(data as Uint8Array) };
    case 'encoded':
      return { bytes: byteLengthOf(data as readonly Buffer[]), send: () => conn.sendEncoded(data as readonly Buffer[]) };
    case 'shared':
      return { bytes: byteLengthOf(data as readonly Buffer[]), send: () => conn.sendShared(data as readonly Buffer[]) };
  }
}

function byteLengthOf(frames: readonly Buffer[]): number {
  let n = 0;
  for (const f of frames) n += f.length;
  return n;
}
