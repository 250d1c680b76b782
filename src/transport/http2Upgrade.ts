/**
 * Taking an HTTP/2 extended CONNECT stream (RFC 8441) to an open server-side WebSocket: the
 * request is checked (protocol/serverHandshake), the owner decides as for an HTTP/1.1 upgrade
 * (transport/upgrade's {@link decideChecked}: Origin, extensions, subprotocol), then the stream
 * is answered with `:status` 200 and handed over; a refused stream gets its status and ends.
 * @module
 */
import type { IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import { checkConnectRequest, connectAcceptHeaders, connectErrorHeaders } from '../protocol/serverHandshake';
import { Timeouts } from '../codec/constants';
import { decideChecked, type AcceptedRequest, type UpgradeOwner } from './upgrade';

/**
 * Answers a stream with an error status and the (peer-safe) message, then ends it; a client
 * that never reads the answer has its stream reset after a while.
 */
export function refuseStream(stream: ServerHttp2Stream, status: number, message: string, headers: ReadonlyArray<readonly [string, string]> = [], serverName = ''): void {
  if (stream.destroyed || stream.closed) return;
  stream.on('error', () => {});
  if (!stream.headersSent) stream.respond(connectErrorHeaders(status, message, headers, serverName));
  stream.end(message);
  setTimeout(() => stream.destroy(), Timeouts.REFUSED_LINGER_MS).unref();
}

/** The request a server keeps, from the stream's header fields (pseudo-headers left out). */
function acceptedRequest(headers: IncomingHttpHeaders, rawHeaders: readonly string[] | undefined): AcceptedRequest {
  const raw: string[] = [];
  if (rawHeaders !== undefined) {
    for (let i = 0; i + 1 < rawHeaders.length; i += 2) if (!rawHeaders[i].startsWith(':')) raw.push(rawHeaders[i], rawHeaders[i + 1]);
  } else {
    for (const [k, v] of Object.entries(headers)) if (!k.startsWith(':') && v !== undefined) raw.push(k, Array.isArray(v) ? v.join(', ') : v);
  }
  return { url: String(headers[':path'] ?? '/'), headers: { host: String(headers[':authority'] ?? 'localhost') }, rawHeaders: raw };
}

/**
 * Handles one extended CONNECT stream with `:protocol` websocket.
 * @param rawHeaders the stream event's raw header list, when Node gave one
 * @returns true when the stream became a WebSocket
 */
export function handleExtendedConnect(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, rawHeaders: readonly string[] | undefined, owner: UpgradeOwner): boolean {
  const d = decideChecked(checkConnectRequest({ headers }), owner);
  if (d.refused) {
    refuseStream(stream, d.status, d.message, d.headers, owner.serverHeader);
    return false;
  }
  if (stream.destroyed || stream.closed) return false;
  stream.respond(connectAcceptHeaders(d.key, d.subprotocol, owner.serverHeader, d.extensionResponse));
  owner.accepted(stream, null, acceptedRequest(headers, rawHeaders), d.origin, d.subprotocol, d.extensions);
  return true;
}
