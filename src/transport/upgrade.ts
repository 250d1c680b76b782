/**
 * Taking an HTTP upgrade (from Node's http parser) to an open server-side WebSocket: checks the
 * request (protocol/serverHandshake), asks the owner about the Origin, writes the 101 or the
 * error response, and hands the socket over.
 * @module
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { acceptResponse, checkUpgradeRequest, chooseSubprotocol, errorResponse, isRefused } from '../protocol/serverHandshake';

/** What the upgrade needs from the server that owns it. */
export interface UpgradeOwner {
  /** Sent as the Server header ('' for none). */
  readonly serverHeader: string;
  /** Subprotocols the server supports, in its order. */
  readonly subprotocols: readonly string[];
  /**
   * Answers the client's Sec-WebSocket-Extensions offer: the response header value and the
   * agreement handed to accepted(), null to accept no extension, 'malformed' for a header
   * that breaks the grammar (answered with 400).
   */
  negotiateExtensions(offer: string): { response: string; agreement: unknown } | null | 'malformed';
  /** Returns false to refuse the Origin (answered with 403). */
  authorizeOrigin(origin: string): boolean;
  /** The handshake succeeded: the socket is now a WebSocket. */
  accepted(socket: Socket, head: Buffer, req: IncomingMessage, origin: string, subprotocol: string, extensions: unknown): void;
  /** The handshake was refused with this HTTP status. */
  refused(status: number, message: string): void;
}

/** Answers with an error status and closes the socket once the response is out. */
export function refuseUpgrade(socket: Duplex, status: number, message: string, headers: ReadonlyArray<readonly [string, string]> = [], serverName = ''): void {
  if (socket.destroyed) return;
  socket.on('error', () => {});
  if (socket.writable) socket.end(errorResponse(status, message, headers, serverName));
  // do not wait for a client that never reads its response
  setTimeout(() => socket.destroy(), 1000).unref();
}

/**
 * Handles one upgrade request.
 * @returns true when the socket became a WebSocket
 */
export function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, owner: UpgradeOwner): boolean {
  const check = checkUpgradeRequest({ method: req.method ?? '', httpVersion: req.httpVersion, headers: req.headers });
  if (isRefused(check)) {
    refuseUpgrade(socket, check.status, check.message, check.headers, owner.serverHeader);
    owner.refused(check.status, check.message);
    return false;
  }
  if (!owner.authorizeOrigin(check.origin)) {
    refuseUpgrade(socket, 403, 'Origin not allowed', [], owner.serverHeader);
    owner.refused(403, 'Origin not allowed');
    return false;
  }
  if (socket.destroyed || !socket.writable) return false;
  const ext = check.extensions === '' ? null : owner.negotiateExtensions(check.extensions);
  if (ext === 'malformed') {
    refuseUpgrade(socket, 400, 'Malformed Sec-WebSocket-Extensions', [], owner.serverHeader);
    owner.refused(400, 'Malformed Sec-WebSocket-Extensions');
    return false;
  }
  const subprotocol = chooseSubprotocol(check.protocols, owner.subprotocols);
  socket.write(acceptResponse(check.key, subprotocol, owner.serverHeader, ext?.response ?? ''));
  owner.accepted(socket as Socket, head, req, check.origin, subprotocol, ext?.agreement ?? null);
  return true;
}
