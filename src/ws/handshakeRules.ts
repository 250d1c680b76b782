/**
 * ws's handshake rules where they differ from the core's: the server's checks of an upgrade
 * request in ws's order with ws's statuses and texts (its `wsClientError` and its refusals are
 * matched on them), and the texts of ws's client errors for a bad 101 answer. The checks that
 * decide whether a connection is made stay the core's (protocol/serverHandshake, handshake);
 * this module only refuses earlier, or renames an error the core raised.
 * @module
 */
import type { IncomingMessage } from 'node:http';
import { acceptUpgradeAnswer, type UpgradeAnswer, type UpgradeOffer } from '../core/clientConnect';
import { isToken, parseExtensions } from '../protocol/extensions';
import { isValidKey } from '../protocol/handshake';
import { isValidDeflateOffer, PERMESSAGE_DEFLATE } from '../protocol/permessageDeflate';

/** The Sec-WebSocket-Version values ws's server takes (8 is hybi-08..12: RFC 6455's handshake and framing). */
export const WS_VERSIONS: readonly string[] = ['13', '8'];

/** A refusal: status, body (also the `wsClientError` message) and extra headers. */
export interface WsRefusal {
  status: number;
  message: string;
  headers?: Record<string, string>;
}

const refusal = (status: number, message: string, headers?: Record<string, string>): WsRefusal => ({ status, message, headers });

/** The request line and upgrade headers, in ws's order; null when ws would go on. */
export function requestRefusal(req: IncomingMessage): WsRefusal | null {
  if (req.method !== 'GET') return refusal(405, 'Invalid HTTP method');
  if ((req.headers.upgrade ?? '').toLowerCase() !== 'websocket') return refusal(400, 'Invalid Upgrade header');
  if (!isValidKey(req.headers['sec-websocket-key'])) return refusal(400, 'Missing or invalid Sec-WebSocket-Key header');
  if (!WS_VERSIONS.includes(String(req.headers['sec-websocket-version']))) {
    return refusal(400, 'Missing or invalid Sec-WebSocket-Version header', { 'Sec-WebSocket-Version': WS_VERSIONS.join(', ') });
  }
  return null;
}

/**
 * The subprotocol and extension headers (checked after shouldHandle, as ws): a protocol list must
 * be distinct tokens separated by commas (RFC 6455 §4.1); with permessage-deflate on, every
 * permessage-deflate offer must have valid parameters (ws refuses what RFC 7692 §5 lets a server
 * decline). null when ws would go on.
 */
export function negotiationRefusal(req: IncomingMessage, deflate: boolean): WsRefusal | null {
  const protocol = req.headers['sec-websocket-protocol'];
  if (protocol !== undefined) {
    const list = protocol.split(',').map((p) => p.trim());
    if (list.some((p) => !isToken(p)) || new Set(list).size !== list.length) return refusal(400, 'Invalid Sec-WebSocket-Protocol header');
  }
  const extensions = req.headers['sec-websocket-extensions'];
  if (deflate && extensions !== undefined) {
    const entries = parseExtensions(extensions);
    if (entries === null || entries.some((e) => e.name === PERMESSAGE_DEFLATE && !isValidDeflateOffer(e))) {
      return refusal(400, 'Invalid or unacceptable Sec-WebSocket-Extensions header');
    }
  }
  return null;
}

/** ws's texts for the core's client handshake errors that ws words differently. */
const CLIENT_TEXTS = new Map<string, string>([
  ['Missing or invalid Upgrade header', 'Invalid Upgrade header'],
  ['Invalid Sec-WebSocket-Accept', 'Invalid Sec-WebSocket-Accept header'],
  // every refusal of the server's permessage-deflate answer (protocol/permessageDeflate)
  ...[
    'Malformed Sec-WebSocket-Extensions in the response',
    'The server accepted permessage-deflate more than once',
    'Invalid permessage-deflate parameters in the response',
    'The server ignored server_no_context_takeover',
    'The server ignored server_max_window_bits',
    'The server set client_max_window_bits, which was not offered',
    'The server set client_max_window_bits above the offer',
  ].map((m): [string, string] => [m, 'Invalid Sec-WebSocket-Extensions header']),
]);

/**
 * The message ws gives for a client handshake error the core raised on the server's answer.
 * @param offered the subprotocols offered; `deflateOffered` whether permessage-deflate was
 */
export function clientErrorText(message: string, headers: IncomingMessage['headers'], offered: readonly string[], deflateOffered: boolean): string {
  if (message === 'Server selected a subprotocol that was not offered') {
    return offered.length === 0 ? 'Server sent a subprotocol but none was requested' : 'Server sent an invalid subprotocol';
  }
  if (message === 'Server selected an extension that was not offered') {
    if (!deflateOffered) return 'Server sent a Sec-WebSocket-Extensions header but no extension was requested';
    const extensions = headers['sec-websocket-extensions'];
    if (parseExtensions(Array.isArray(extensions) ? extensions.join(', ') : (extensions ?? '')) === null) return 'Invalid Sec-WebSocket-Extensions header';
    return 'Server indicated an extension that was not requested';
  }
  return CLIENT_TEXTS.get(message) ?? message;
}

/**
 * ws's check of an accepting answer (a 101, or the 200 to an extended CONNECT): the core's rules,
 * ws's texts, and ws's own rule that when subprotocols were offered the server must choose one
 * (RFC 6455 §4.1 leaves that to the client).
 * @throws Error with ws's text
 */
export function acceptedAnswer(status: number, headers: IncomingMessage['headers'], offer: UpgradeOffer): UpgradeAnswer {
  try {
    const answer = acceptUpgradeAnswer(status, headers, offer);
    if (offer.subprotocols.length > 0 && answer.subprotocol === '') throw new Error('Server sent no subprotocol');
    return answer;
  } catch (e) {
    throw new Error(clientErrorText((e as Error).message, headers, offer.subprotocols, offer.deflate !== null));
  }
}
