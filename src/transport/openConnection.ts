/**
 * Picks the transport for a socket whose handshake is done: the addon's native transport where
 * it runs and the socket can be taken over (plain TCP on POSIX), else the socket stays on Node
 * ({@link Connection}: TLS, other platforms, `QWS_TRANSPORT=node`, no addon). A connection the
 * native listener accepted is native from the start; an HTTP/2 stream (RFC 8441) runs on
 * {@link Http2StreamConnection}.
 * @module
 */
import type { Http2Stream } from 'node:http2';
import type { Socket } from 'node:net';
import type { SessionHandler, SessionOptions } from '../protocol/session';
import { Connection } from './connection';
import type { ConnectionBase, ConnectionEvents, WriteLimits } from './connectionBase';
import { Http2StreamConnection, isHttp2Stream } from './http2Stream';
import { NativeConnection } from './native/NativeConnection';
import { AcceptedNative } from './native/NativeListener';

/** A socket whose handshake is done: Node's, one the native listener accepted (by id), or an HTTP/2 stream. */
export type TransportSocket = Socket | AcceptedNative | Http2Stream;

/** A connection for `socket` on the best transport available. */
export function openConnection(socket: TransportSocket, handler: SessionHandler, events: ConnectionEvents, options: SessionOptions, limits: WriteLimits): ConnectionBase {
  if (isHttp2Stream(socket)) return new Http2StreamConnection(socket, handler, events, options, limits);
  if (socket instanceof AcceptedNative) return NativeConnection.accepted(socket.id, handler, events, options, limits);
  return NativeConnection.open(socket, handler, events, options, limits) ?? new Connection(socket, handler, events, options, limits);
}
