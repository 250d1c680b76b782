/**
 * permessage-deflate (RFC 7692) negotiation, sans I/O: the client's offer and its check of the
 * server's answer (§5.1), the server's choice among the client's offers (§5), and the contract
 * the session uses to compress and inflate messages (implemented over zlib in the transport).
 * @module
 */
import { HandshakeError, InvalidArgumentError } from '../errors';
import { formatExtension, parseExtensions, type ExtensionEntry } from './extensions';

/** The extension's registered name. */
export const PERMESSAGE_DEFLATE = 'permessage-deflate';

/** permessage-deflate settings of one side (client: what to offer; server: what to accept). */
export interface PerMessageDeflateOptions {
  /** Ask (client) or tell (server) that the server resets its compression context per message. */
  serverNoContextTakeover?: boolean;
  /** Ask (client) or tell (server) that the client resets its compression context per message. */
  clientNoContextTakeover?: boolean;
  /** Limit the server's LZ77 window to 2^n bytes, 8–15 (RFC 7692 §7.1.2.1). */
  serverMaxWindowBits?: number;
  /**
   * Client: `true` (default) offers the bare parameter (the server may limit our window), a number
   * also limits it ourselves; `false` leaves it out. Server: a number limits the client's window
   * (offers without the parameter are then declined, §7.1.2.2).
   */
  clientMaxWindowBits?: number | boolean;
  /** Messages shorter than this many bytes are sent uncompressed (default 1024). */
  threshold?: number;
  /** zlib compression level, -1 (default) or 0–9. */
  level?: number;
  /** zlib memory level, 1–9 (default 8). */
  memLevel?: number;
}

/** What both sides agreed on (window bits are 15 where the response named none). */
export interface DeflateAgreement {
  serverNoContextTakeover: boolean;
  clientNoContextTakeover: boolean;
  serverMaxWindowBits: number;
  clientMaxWindowBits: number;
}

/**
 * Compresses and inflates the messages of one connection (RSV1 messages, RFC 7692 §6).
 * Implemented by the transport (zlib); the session only calls it.
 */
export interface MessageCompressor {
  /** Messages shorter than this are never compressed. */
  readonly threshold: number;
  /**
   * Compresses a whole message: the DEFLATE blocks without the trailing 00 00 ff ff (§7.2.1).
   * @returns null to send this message uncompressed (below the threshold, or no usable window)
   */
  compress(message: Uint8Array): Buffer | null;
  /**
   * Inflates the next piece of a compressed message (§7.2.2); `last` appends 00 00 ff ff.
   * @throws {@link InflateError} for bad DEFLATE data (1007) or a message over the limit (1009)
   */
  inflate(piece: Uint8Array, last: boolean): Buffer;
  /**
   * Set when compressing keeps no context between messages (no context takeover): a message
   * then compresses to the same bytes on every connection with the same key, so a publish
   * compresses once per key. Null with context takeover.
   */
  readonly sharedKey: string | null;
  /** Changes the limit on a message's inflated size. */
  setMaxMessageSize(bytes: number): void;
  /** Frees the zlib contexts. */
  close(): void;
}

/** A compressed message could not be inflated; the connection fails with `closeCode`. */
export class InflateError extends Error {
  constructor(readonly closeCode: number, message: string) {
    super(message);
  }
}

const WINDOW_MIN = 8;
const WINDOW_MAX = 15;

function checkBits(name: string, v: unknown): void {
  if (v === undefined || typeof v === 'boolean') return;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < WINDOW_MIN || v > WINDOW_MAX) {
    throw new InvalidArgumentError(`perMessageDeflate.${name} must be an integer from 8 to 15`);
  }
}

/**
 * Validates user options (a bad option is a clear error, not a failed handshake later).
 * @throws InvalidArgumentError
 */
export function validateDeflateOptions(o: PerMessageDeflateOptions): void {
  if (typeof o !== 'object' || o === null) throw new InvalidArgumentError('perMessageDeflate must be a boolean or an options object');
  if (typeof o.serverMaxWindowBits === 'boolean') throw new InvalidArgumentError('perMessageDeflate.serverMaxWindowBits must be an integer from 8 to 15');
  checkBits('serverMaxWindowBits', o.serverMaxWindowBits);
  checkBits('clientMaxWindowBits', o.clientMaxWindowBits);
  if (o.threshold !== undefined && (!Number.isInteger(o.threshold) || o.threshold < 0)) {
    throw new InvalidArgumentError('perMessageDeflate.threshold must be a non-negative integer');
  }
  if (o.level !== undefined && (!Number.isInteger(o.level) || o.level < -1 || o.level > 9)) {
    throw new InvalidArgumentError('perMessageDeflate.level must be -1 or an integer from 0 to 9');
  }
  if (o.memLevel !== undefined && (!Number.isInteger(o.memLevel) || o.memLevel < 1 || o.memLevel > 9)) {
    throw new InvalidArgumentError('perMessageDeflate.memLevel must be an integer from 1 to 9');
  }
}

/** The client's offer (one extension, RFC 7692 §5). */
export function deflateOffer(o: PerMessageDeflateOptions): string {
  const params: ExtensionEntry['params'] = [];
  if (o.serverNoContextTakeover === true) params.push(['server_no_context_takeover', true]);
  if (o.clientNoContextTakeover === true) params.push(['client_no_context_takeover', true]);
  if (o.serverMaxWindowBits !== undefined) params.push(['server_max_window_bits', String(o.serverMaxWindowBits)]);
  const cmwb = o.clientMaxWindowBits ?? true;
  if (typeof cmwb === 'number') params.push(['client_max_window_bits', String(cmwb)]);
  else if (cmwb) params.push(['client_max_window_bits', true]);
  return formatExtension({ name: PERMESSAGE_DEFLATE, params });
}

/** Window bits as RFC 7692 §7.1.2 writes them: 1*DIGIT without leading zeros, 8–15. */
function bitsValue(v: string | true): number {
  if (v === true || !/^[1-9][0-9]?$/.test(v)) return -1;
  const n = Number(v);
  return n >= WINDOW_MIN && n <= WINDOW_MAX ? n : -1;
}

type Params = Map<string, string | true>;

/** The parameters as a map; null for an unknown name, a repeated name or a bad value (§7). */
function paramMap(entry: ExtensionEntry, allowBareClientBits: boolean): Params | null {
  const m: Params = new Map();
  for (const [k, v] of entry.params) {
    if (m.has(k)) return null;
    switch (k) {
      case 'server_no_context_takeover':
      case 'client_no_context_takeover':
        if (v !== true) return null;
        break;
      case 'server_max_window_bits':
        if (bitsValue(v) < 0) return null;
        break;
      case 'client_max_window_bits':
        if (v === true ? !allowBareClientBits : bitsValue(v) < 0) return null;
        break;
      default:
        return null;
    }
    m.set(k, v);
  }
  return m;
}

/** True when a client's permessage-deflate offer has only known, single, valid parameters (§7). */
export function isValidDeflateOffer(entry: ExtensionEntry): boolean {
  return paramMap(entry, true) !== null;
}

/**
 * Checks the server's Sec-WebSocket-Extensions against our offer (RFC 7692 §5.1, §7.1).
 * @returns the agreement, or null when the server did not accept permessage-deflate
 * @throws HandshakeError for an answer the client must fail the connection on
 */
export function acceptDeflateResponse(value: string, o: PerMessageDeflateOptions): DeflateAgreement | null {
  const entries = parseExtensions(value);
  if (entries === null) throw new HandshakeError('Malformed Sec-WebSocket-Extensions in the response', 101);
  const mine = entries.filter((e) => e.name === PERMESSAGE_DEFLATE);
  if (mine.length === 0) return null;
  if (mine.length > 1) throw new HandshakeError('The server accepted permessage-deflate more than once', 101);
  const p = paramMap(mine[0], false);
  if (p === null) throw new HandshakeError('Invalid permessage-deflate parameters in the response', 101);
  const serverNoCtx = p.has('server_no_context_takeover');
  if (o.serverNoContextTakeover === true && !serverNoCtx) {
    throw new HandshakeError('The server ignored server_no_context_takeover', 101);
  }
  let serverBits = WINDOW_MAX;
  const sb = p.get('server_max_window_bits');
  if (sb !== undefined) serverBits = bitsValue(sb);
  if (o.serverMaxWindowBits !== undefined) {
    // we asked for a limit: the server must confirm a window no larger (§7.1.2.1)
    if (sb === undefined || serverBits > o.serverMaxWindowBits) throw new HandshakeError('The server ignored server_max_window_bits', 101);
  }
  const cmwb = o.clientMaxWindowBits ?? true;
  let clientBits = typeof cmwb === 'number' ? cmwb : WINDOW_MAX;
  const cb = p.get('client_max_window_bits');
  if (cb !== undefined) {
    // §7.1.2.2: only when offered, and never above what we offered
    if (cmwb === false) throw new HandshakeError('The server set client_max_window_bits, which was not offered', 101);
    const n = bitsValue(cb);
    if (n > clientBits) throw new HandshakeError('The server set client_max_window_bits above the offer', 101);
    clientBits = n;
  }
  return {
    serverNoContextTakeover: serverNoCtx,
    clientNoContextTakeover: p.has('client_no_context_takeover') || o.clientNoContextTakeover === true,
    serverMaxWindowBits: serverBits,
    clientMaxWindowBits: clientBits,
  };
}

/** The server's choice: the agreement and the response header value. */
export interface DeflateSelection {
  agreement: DeflateAgreement;
  response: string;
}

/**
 * Picks the first permessage-deflate offer the server can accept (RFC 7692 §5); offers with
 * unknown, repeated or invalid parameters are declined, as §5 requires.
 * @returns the selection; null when no offer is acceptable; 'malformed' when the header
 *   breaks the RFC 6455 §9.1 grammar (the caller answers 400)
 */
export function selectDeflateOffer(value: string, o: PerMessageDeflateOptions): DeflateSelection | null | 'malformed' {
  const entries = parseExtensions(value);
  if (entries === null) return 'malformed';
  for (const e of entries) {
    if (e.name !== PERMESSAGE_DEFLATE) continue;
    const p = paramMap(e, true);
    if (p === null) continue;
    const params: ExtensionEntry['params'] = [];
    const serverNoCtx = p.has('server_no_context_takeover') || o.serverNoContextTakeover === true;
    if (serverNoCtx) params.push(['server_no_context_takeover', true]);
    const clientNoCtx = p.has('client_no_context_takeover') || o.clientNoContextTakeover === true;
    if (clientNoCtx) params.push(['client_no_context_takeover', true]);
    // server window: the client's limit, narrowed by ours
    const asked = p.get('server_max_window_bits');
    let serverBits = asked !== undefined ? bitsValue(asked) : WINDOW_MAX;
    if (o.serverMaxWindowBits !== undefined) serverBits = Math.min(serverBits, o.serverMaxWindowBits);
    if (asked !== undefined || serverBits < WINDOW_MAX) params.push(['server_max_window_bits', String(serverBits)]);
    // client window: only limitable when the client offered the parameter (§7.1.2.2)
    const offered = p.get('client_max_window_bits');
    let clientBits = offered === undefined || offered === true ? WINDOW_MAX : bitsValue(offered);
    const limit = typeof o.clientMaxWindowBits === 'number' ? o.clientMaxWindowBits : undefined;
    if (limit !== undefined) {
      if (offered === undefined) continue;
      clientBits = Math.min(clientBits, limit);
      params.push(['client_max_window_bits', String(clientBits)]);
    }
    return {
      agreement: { serverNoContextTakeover: serverNoCtx, clientNoContextTakeover: clientNoCtx, serverMaxWindowBits: serverBits, clientMaxWindowBits: clientBits },
      response: formatExtension({ name: PERMESSAGE_DEFLATE, params }),
    };
  }
  return null;
}
