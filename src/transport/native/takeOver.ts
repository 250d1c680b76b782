/**
 * Handing a connected `net.Socket` to the native transport. The addon duplicates the socket's
 * descriptor; then Node is made to let go of its own copy safely:
 * - nothing of ours may still sit in Node's write queue (checked; else the socket stays on Node),
 * - bytes Node already read but nobody consumed are taken out of its readable buffer,
 * - Node stops reading (readStop) before the loop polls again, so no byte is read by both,
 * - destroy() closes Node's descriptor through uv_close, which removes it from the loop's poll
 *   set first; our duplicate keeps the connection open (close() on one of two descriptors sends
 *   no FIN). Listeners others put on the socket see its 'close', as for any socket handed away.
 * POSIX only: on Windows the handle has no descriptor (fd -1) and sockets stay on Node.
 * @module
 */
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import type { NativeIo } from './nativeIo';

/** What Node's TCP handle exposes (not public API: every field is checked before use). */
interface TcpHandle {
  fd?: unknown;
  writeQueueSize?: unknown;
  readStop?: unknown;
  constructor?: { name?: string };
}

/** A socket taken over: its native id and the bytes Node had read but not delivered. */
export interface TakenSocket {
  id: number;
  buffered: Buffer | null;
}

function tcpHandle(socket: Socket): (TcpHandle & { fd: number; readStop(): number }) | null {
  const h = (socket as unknown as { _handle?: TcpHandle | null })._handle;
  if (h === null || h === undefined || h.constructor?.name !== 'TCP') return null;
  if (typeof h.fd !== 'number' || h.fd < 0 || typeof h.readStop !== 'function' || h.writeQueueSize !== 0) return null;
  return h as TcpHandle & { fd: number; readStop(): number };
}

/**
 * Moves `socket` onto the native transport, with `state` as its decoder state.
 * @returns null (socket untouched, still Node's) when it cannot be taken over
 */
export function takeOver(socket: Socket, io: NativeIo, state: Uint8Array): TakenSocket | null {
  if (socket instanceof TLSSocket || socket.destroyed || !socket.writable || socket.readableEnded || socket.writableLength !== 0) return null;
  const h = tcpHandle(socket);
  if (h === null) return null;
  // what Node read but nobody consumed (read() may restart Node's reading: stopped right after,
  // before the loop can poll)
  const parts: Buffer[] = [];
  for (let chunk: Buffer | null; (chunk = socket.read() as Buffer | null) !== null; ) parts.push(chunk);
  h.readStop();
  const buffered = parts.length === 0 ? null : parts.length === 1 ? parts[0] : Buffer.concat(parts);
  const id = io.ioAdopt(h.fd, state);
  if (id < 0) {
    if (buffered !== null) socket.unshift(buffered);
    return null;
  }
  socket.destroy();
  return { id, buffered };
}
