/**
 * Taking an HTTP upgrade (from Node's http parser) to an open server-side WebSocket: checks the
 * request (protocol/serverHandshake), asks the owner about the Origin, writes the 101 or the
 * error response, and hands the socket over. The owner's part of the decision
 * ({@link decideUpgrade}) is shared with the HTTP/2 handshake (transport/http2Upgrade).
 * @module
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { acceptResponse, checkUpgradeRequest, chooseSubprotocol, errorResponse, isRefused, type AcceptedUpgrade, type RefusedUpgrade } from '../protocol/serverHandshake';
import type { TransportSocket } from './http2Stream';
import { Timeouts } from '../codec/constants';

/** The request as the server keeps it, from either handshake (HTTP/1.1 upgrade or HTTP/2 CONNECT). */
export interface UpgradeRequestHead {
  /** The Host header (HTTP/1.1) or `:authority` (HTTP/2). */
  host: string;
  /** Path and query. */
  path: string;
  /** Header names and values, alternating (no pseudo-headers). */
  rawHeaders: readonly string[];
}

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
  /** The handshake succeeded: the socket (or HTTP/2 stream) is now a WebSocket. */
  accepted(socket: TransportSocket, head: Buffer, request: UpgradeRequestHead, origin: string, subprotocol: string, extensions: unknown): void;
  /** The handshake was refused with this HTTP status. */
  refused(status: number, message: string): void;
}

/** What the owner agreed to for a valid request. */
export interface AgreedUpgrade {
  subprotocol: string;
  /** The Sec-WebSocket-Extensions answer and agreement, or null. */
  extensions: { response: string; agreement: unknown } | null;
}

/**
 * The owner's decision on a checked request, the same for both handshakes: the request's own
 * refusal, 403 for an Origin the owner refuses, 400 for a malformed extension offer, else the
 * subprotocol and extensions agreed. A refusal is reported to `owner.refused`.
 */
export function decideUpgrade(check: AcceptedUpgrade | RefusedUpgrade, owner: UpgradeOwner): RefusedUpgrade | AgreedUpgrade {
  const refuse = (r: RefusedUpgrade): RefusedUpgrade => {
    owner.refused(r.status, r.message);
    return r;
  };
  if (isRefused(check)) return refuse(check);
  if (!owner.authorizeOrigin(check.origin)) return refuse({ status: 403, message: 'Origin not allowed', headers: [] });
  const ext = check.extensions === '' ? null : owner.negotiateExtensions(check.extensions);
  if (ext === 'malformed') return refuse({ status: 400, message: 'Malformed Sec-WebSocket-Extensions', headers: [] });
  return { subprotocol: chooseSubprotocol(check.protocols, owner.subprotocols), extensions: ext };
}

/** Answers with an error status and closes the socket once the response is out. */
export function refuseUpgrade(socket: Duplex, status: number, message: string, headers: ReadonlyArray<readonly [string, string]> = [], serverName = ''): void {
  if (socket.destroyed) return;
  socket.on('error', () => {});
  if (socket.writable) socket.end(errorResponse(status, message, headers, serverName));
  // do not wait for a client that never reads its response
  setTimeout(() => socket.destroy(), Timeouts.REFUSED_LINGER_MS).unref();
}

/**
 * Handles one upgrade request.
 * @returns true when the socket became a WebSocket
 */
export function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, owner: UpgradeOwner): boolean {
  const check = checkUpgradeRequest({ method: req.method ?? '', httpVersion: req.httpVersion, headers: req.headers });
  const d = decideUpgrade(check, owner);
  if (isRefused(d)) {
    refuseUpgrade(socket, d.status, d.message, d.headers, owner.serverHeader);
    return false;
  }
  if (socket.destroyed || !socket.writable || isRefused(check)) return false;
  socket.write(acceptResponse(check.key, d.subprotocol, owner.serverHeader, d.extensions?.response ?? ''));
  const request = { host: req.headers.host ?? 'localhost', path: req.url ?? '/', rawHeaders: req.rawHeaders };
  owner.accepted(socket as Socket, head, request, check.origin, d.subprotocol, d.extensions?.agreement ?? null);
  return true;
}
