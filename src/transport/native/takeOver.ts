/**
 * Handing a connected `net.Socket` to the native transport. The addon duplicates the socket's
 * descriptor; then Node is made to let go of its own copy safely:
 * - nothing of ours may still sit in Node's write queue (checked; else the socket stays on Node),
 * - bytes Node already read but nobody consumed are taken out of its readable buffer,
 * - Node stops reading (readStop) before the loop polls again, so no byte is read by both,
 * - destroy() closes Node's descriptor through uv_close, which removes it from the loop's poll
 *   set first; our duplicate keeps the connection open (close() on one of two descriptors sends
 *   no FIN). Listeners others put on the socket see its 'close', as for any socket handed away.
 * - the server that accepted the socket goes on counting it (getConnections(), and close()
 *   waits for it, as Node does for an upgraded socket): destroy() is kept from uncounting it,
 *   and {@link connectionGone} does that when the native connection closes.
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

/**
 * The net.Server that accepted a socket, as Node's net module counts its connections
 * (`_connections`, `_emitCloseIfDrained`: not public API, checked before use).
 */
export interface CountingServer {
  _connections: number;
  _emitCloseIfDrained(): void;
}

/** A socket taken over: its native id, the bytes Node had read but not delivered, the server counting it. */
export interface TakenSocket {
  id: number;
  buffered: Buffer | null;
  server: CountingServer | null;
}

/** Node's own socket 'close' would uncount it; a taken socket's server must wait for the native close. */
function detachServer(socket: Socket): CountingServer | null {
  const owned = socket as unknown as { _server?: Partial<CountingServer> | null };
  const server = owned._server;
  if (server === null || server === undefined || typeof server._connections !== 'number' || typeof server._emitCloseIfDrained !== 'function') return null;
  owned._server = null;
  return server as CountingServer;
}

/** The native connection taken from `server`'s socket closed: the server counts one less (and may now close). */
export function connectionGone(server: CountingServer): void {
  server._connections--;
  server._emitCloseIfDrained();
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
  const server = detachServer(socket);
  socket.destroy();
  return { id, buffered, server };
}
