/**
 * The server's side of the opening handshake, sans I/O (RFC 6455 §4.2): checking the client's
 * upgrade request, choosing a subprotocol, and building the 101 or error response.
 * @module
 */
import { STATUS_CODES } from 'node:http';
import { acceptKey, headerTokens, isSafeHeaderValue, isValidKey } from './handshake';

/** The request fields the checks need (as Node's http parser gives them, names lower case). */
export interface UpgradeRequest {
  method: string;
  httpVersion: string;
  headers: Record<string, string | string[] | undefined>;
}

/** A valid upgrade request, reduced to what the server uses. */
export interface AcceptedUpgrade {
  key: string;
  origin: string;
  /** Subprotocols the client offered, in its order. */
  protocols: string[];
  /** The client's Sec-WebSocket-Extensions offer ('' when none). */
  extensions: string;
}

/** A refused upgrade: the HTTP status and headers to answer with. */
export interface RefusedUpgrade {
  status: number;
  message: string;
  headers: Array<[string, string]>;
}

function header(req: UpgradeRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

/**
 * Checks an upgrade request (RFC 6455 §4.2.1).
 * @returns the accepted fields, or the refusal to send
 */
export function checkUpgradeRequest(req: UpgradeRequest): AcceptedUpgrade | RefusedUpgrade {
  const refuse = (status: number, message: string, headers: Array<[string, string]> = []): RefusedUpgrade => ({ status, message, headers });
  if (req.method !== 'GET') return refuse(405, 'WebSocket upgrade requires GET', [['Allow', 'GET']]);
  if (req.httpVersion !== '1.1' && !/^1\.[1-9]$|^[2-9]\./.test(req.httpVersion)) return refuse(505, 'HTTP/1.1 or later required');
  if (header(req, 'host') === undefined) return refuse(400, 'Missing Host header');
  if ((header(req, 'upgrade') ?? '').toLowerCase().split(',').every((t) => t.trim() !== 'websocket')) {
    return refuse(426, 'Upgrade to websocket required', [['Upgrade', 'websocket'], ['Connection', 'Upgrade']]);
  }
  if (!headerTokens(header(req, 'connection')).some((t) => t.toLowerCase() === 'upgrade')) {
    return refuse(426, 'Connection: Upgrade required', [['Upgrade', 'websocket'], ['Connection', 'Upgrade']]);
  }
  // RFC 6455 §4.4: an unsupported version gets 400 with the versions we speak
  if (header(req, 'sec-websocket-version') !== '13') {
    return refuse(400, 'Unsupported Sec-WebSocket-Version', [['Sec-WebSocket-Version', '13']]);
  }
  const key = header(req, 'sec-websocket-key');
  if (!isValidKey(key)) return refuse(400, 'Missing or invalid Sec-WebSocket-Key');
  const origin = header(req, 'origin') ?? header(req, 'sec-websocket-origin') ?? '';
  return {
    key,
    origin,
    protocols: headerTokens(header(req, 'sec-websocket-protocol')),
    extensions: header(req, 'sec-websocket-extensions') ?? '',
  };
}

/** Narrows a {@link checkUpgradeRequest} result. */
export function isRefused(r: AcceptedUpgrade | RefusedUpgrade): r is RefusedUpgrade {
  return 'status' in r;
}

/** The first subprotocol the client offered (in its order) that the server supports; '' if none. */
export function chooseSubprotocol(offered: readonly string[], supported: readonly string[]): string {
  for (const p of offered) if (supported.includes(p)) return p;
  return '';
}

/**
 * The lines of the 101 Switching Protocols response head (RFC 6455 §4.2.2), status line first,
 * without the blank line that ends it (a face may let its users add lines).
 */
export function acceptResponseLines(key: string, subprotocol: string, extensions: string): string[] {
  const lines = ['HTTP/1.1 101 Switching Protocols', 'Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Accept: ${acceptKey(key)}`];
  if (subprotocol !== '') lines.push(`Sec-WebSocket-Protocol: ${subprotocol}`);
  if (extensions !== '') lines.push(`Sec-WebSocket-Extensions: ${extensions}`);
  return lines;
}

/** The 101 Switching Protocols response (RFC 6455 §4.2.2). */
export function acceptResponse(key: string, subprotocol: string, serverName: string, extensions = ''): string {
  const lines = acceptResponseLines(key, subprotocol, extensions);
  if (serverName !== '' && isSafeHeaderValue(serverName)) lines.push(`Server: ${serverName}`);
  return lines.join('\r\n') + '\r\n\r\n';
}

/** An error response that closes the connection. The body is the (peer-safe) message. */
export function errorResponse(status: number, message: string, headers: ReadonlyArray<readonly [string, string]> = [], serverName = ''): string {
  let s = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(message)}\r\n`;
  for (const [k, v] of headers) s += `${k}: ${v}\r\n`;
  if (serverName !== '' && isSafeHeaderValue(serverName)) s += `Server: ${serverName}\r\n`;
  return s + '\r\n' + message;
}
