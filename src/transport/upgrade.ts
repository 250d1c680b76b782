/**
 * Taking an HTTP upgrade (from Node's http parser) to an open server-side WebSocket: checks the
 * request (protocol/serverHandshake), asks the owner about the Origin, writes the 101 or the
 * error response, and hands the socket over. The owner's part of the decision
 * ({@link decideChecked}) is shared with the HTTP/2 handshake (transport/http2Upgrade).
 * @module
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { Timeouts } from '../codec/constants';
import { acceptResponse, checkUpgradeRequest, chooseSubprotocol, errorResponse, isRefused, type AcceptedUpgrade, type RefusedUpgrade, type UpgradeRequest } from '../protocol/serverHandshake';
import type { TransportSocket } from './openConnection';

/**
 * What a server keeps of an accepted request (Node's IncomingMessage, a parsed RequestHead, or
 * an HTTP/2 stream's fields: `:path` as url, `:authority` as host, no pseudo-headers).
 */
export interface AcceptedRequest {
  url?: string;
  headers: { host?: string };
  rawHeaders: string[];
  /**
   * The header lines as received, each starting with CRLF (a RequestHead's): kept in place of
   * rawHeaders, since url and host are slices of the same text (one string per idle connection).
   */
  headerBlock?: string;
  /** The whole head as received (a RequestHead's), without its final blank line. */
  headText?: string;
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
  accepted(socket: TransportSocket, head: Buffer | null, req: AcceptedRequest, origin: string, subprotocol: string, extensions: unknown): void;
  /** The handshake was refused with this HTTP status. */
  refused(status: number, message: string): void;
}

/** Answers with an error status and closes the socket once the response is out. */
export function refuseUpgrade(socket: Duplex, status: number, message: string, headers: ReadonlyArray<readonly [string, string]> = [], serverName = ''): void {
  if (socket.destroyed) return;
  socket.on('error', () => {});
  if (socket.writable) socket.end(errorResponse(status, message, headers, serverName));
  // do not wait for a client that never reads its response
  setTimeout(() => socket.destroy(), Timeouts.REFUSED_LINGER_MS).unref();
}

/** A refused request: the status, message and headers to answer with. */
export interface UpgradeRefusal {
  refused: true;
  status: number;
  message: string;
  headers: ReadonlyArray<readonly [string, string]>;
}

/** An accepted request as its owner agreed to it, before the answer is written (either handshake). */
export interface CheckedUpgrade {
  refused: false;
  /** The client's Sec-WebSocket-Key ('' over HTTP/2 without one). */
  key: string;
  origin: string;
  subprotocol: string;
  /** The Sec-WebSocket-Extensions answer ('' for none) and the agreement for accepted(). */
  extensionResponse: string;
  extensions: unknown;
}

/** An upgrade request checked against its owner: refused with a status, or the 101 to send. */
export type UpgradeDecision = UpgradeRefusal | (CheckedUpgrade & { response: string });

/**
 * The owner's decision on a request checked by protocol/serverHandshake (HTTP/1.1 or HTTP/2):
 * asks the owner about the Origin and the extension offer, and chooses the subprotocol. A
 * refusal is reported to the owner here.
 */
export function decideChecked(check: AcceptedUpgrade | RefusedUpgrade, owner: UpgradeOwner): UpgradeRefusal | CheckedUpgrade {
  if (isRefused(check)) return refusal(owner, check.status, check.message, check.headers);
  if (!owner.authorizeOrigin(check.origin)) return refusal(owner, 403, 'Origin not allowed');
  const ext = check.extensions === '' ? null : owner.negotiateExtensions(check.extensions);
  if (ext === 'malformed') return refusal(owner, 400, 'Malformed Sec-WebSocket-Extensions');
  const subprotocol = chooseSubprotocol(check.protocols, owner.subprotocols);
  return { refused: false, key: check.key, origin: check.origin, subprotocol, extensionResponse: ext?.response ?? '', extensions: ext?.agreement ?? null };
}

/** Reports a refusal to the owner and returns it. */
function refusal(owner: UpgradeOwner, status: number, message: string, headers: ReadonlyArray<readonly [string, string]> = []): UpgradeRefusal {
  owner.refused(status, message);
  return { refused: true, status, message, headers };
}

/** Checks one HTTP/1.1 upgrade request and decides on it ({@link decideChecked}), with the 101 to send. */
export function decideUpgrade(req: UpgradeRequest, owner: UpgradeOwner): UpgradeDecision {
  const d = decideChecked(checkUpgradeRequest(req), owner);
  if (d.refused) return d;
  // (d is this call's own object: the response joins it instead of a copy per accepted connection)
  const decision = d as CheckedUpgrade & { response: string };
  decision.response = acceptResponse(d.key, d.subprotocol, owner.serverHeader, d.extensionResponse);
  return decision;
}

/**
 * Handles one upgrade request that Node's http parser read from `socket`.
 * @returns true when the socket became a WebSocket
 */
export function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, owner: UpgradeOwner): boolean {
  const d = decideUpgrade({ method: req.method ?? '', httpVersion: req.httpVersion, headers: req.headers }, owner);
  if (d.refused) {
    refuseUpgrade(socket, d.status, d.message, d.headers, owner.serverHeader);
    return false;
  }
  if (socket.destroyed || !socket.writable) return false;
  socket.write(d.response);
  owner.accepted(socket as TransportSocket, head, req, d.origin, d.subprotocol, d.extensions);
  return true;
}
