/**
 * The client's opening handshake as every face needs it: the upgrade request with the
 * permessage-deflate offer, and on the 101 the extension answer checked (RFC 7692 §5.1: a client
 * fails the connection on an answer it cannot accept). What a face adds is its own argument
 * rules and events.
 * @module
 */
import { randomBytes } from 'node:crypto';
import type { ClientHttp2Stream } from 'node:http2';
import type { Socket } from 'node:net';
import { SocketError } from '../protocol/enums';
import { HandshakeError } from '../errors';
import { checkConnectResponse, checkResponse, makeKey, type ResponseHead } from '../protocol/handshake';
import { PERMESSAGE_DEFLATE, acceptDeflateResponse, deflateOffer, type PerMessageDeflateOptions } from '../protocol/permessageDeflate';
import { ClientHandshake, type ClientHandshakeParams } from '../transport/clientHandshake';
import { deflateSupported } from '../transport/deflate';
import type { DeflateSetting } from './request';

/** Handshake parameters; the extension offer is built from `deflate`. */
export type ClientConnectParams = Omit<ClientHandshakeParams, 'extensionOffer' | 'extensionNames'> & {
  /** permessage-deflate options to offer, or null for none. */
  deflate: PerMessageDeflateOptions | null;
};

/** Progress and outcome of a client handshake. */
export interface ClientConnectEvents {
  onHostLookup(): void;
  onConnecting(): void;
  /**
   * The connection is open: start an Endpoint on `socket` (the TCP/TLS socket, or the HTTP/2
   * stream with `http2`) with `response.rest` as head.
   */
  onConnected(socket: Socket | ClientHttp2Stream, subprotocol: string, extensions: string, deflate: DeflateSetting | null, response: ResponseHead): void;
  onFailed(error: SocketError, message: string): void;
}

/**
 * The permessage-deflate options to offer: null for none, also when this Node lacks synchronous
 * zlib (see transport/deflate: the extension is then simply not offered).
 */
export function deflateOptionsOf(setting: boolean | PerMessageDeflateOptions | undefined): PerMessageDeflateOptions | null {
  if (setting === undefined || setting === false || !deflateSupported) return null;
  return setting === true ? {} : setting;
}

/** Starts a handshake; abort() on the result cancels it. */
export function connectClient(params: ClientConnectParams, events: ClientConnectEvents): ClientHandshake {
  const { deflate, ...rest } = params;
  const hs = new ClientHandshake(
    { ...rest, extensionOffer: deflate !== null ? deflateOffer(deflate) : '', extensionNames: deflate !== null ? [PERMESSAGE_DEFLATE] : [] },
    {
      onHostLookup: () => events.onHostLookup(),
      onConnecting: () => events.onConnecting(),
      onFailed: (error, message) => events.onFailed(error, message),
      onConnected: (socket, result, response) => {
        let setting: DeflateSetting | null = null;
        if (deflate !== null) {
          try {
            const agreement = acceptDeflateResponse(result.extensions, deflate);
            if (agreement !== null) setting = { agreement, options: deflate };
          } catch (e) {
            socket.destroy();
            events.onFailed(SocketError.ConnectionRefusedError, (e as Error).message);
            return;
          }
        }
        events.onConnected(socket, result.subprotocol, result.extensions, setting, response);
      },
    },
  );
  hs.start();
  return hs;
}

/**
 * A client handshake's offer when a face sends the request with its own HTTP client (the ws
 * face uses Node's http.request, as ws does): the key and the extension offer to send.
 */
export interface UpgradeOffer {
  /** Sec-WebSocket-Key. */
  readonly key: string;
  /** Sec-WebSocket-Extensions ('' for none). */
  readonly extensions: string;
  readonly subprotocols: readonly string[];
  readonly deflate: PerMessageDeflateOptions | null;
}

/** A fresh offer (see {@link UpgradeOffer}). */
export function upgradeOffer(subprotocols: readonly string[], deflate: PerMessageDeflateOptions | null): UpgradeOffer {
  return { key: makeKey(randomBytes(16)), extensions: deflate !== null ? deflateOffer(deflate) : '', subprotocols, deflate };
}

/** What a checked 101 answer agreed. */
export interface UpgradeAnswer {
  subprotocol: string;
  /** The server's Sec-WebSocket-Extensions value, '' when none. */
  extensions: string;
  deflate: DeflateSetting | null;
}

/**
 * Checks the server's answer to an {@link UpgradeOffer} (RFC 6455 §4.1; RFC 7692 §5.1: an
 * extension answer the client cannot accept fails the connection).
 * @param status 101 for an HTTP/1.1 upgrade; 200 for the answer to an extended CONNECT (RFC 8441
 *   §5: no Sec-WebSocket-Accept to check)
 * @param headers the response headers as Node gives them (names lower case, no pseudo-headers)
 * @throws HandshakeError naming the first rule broken
 */
export function acceptUpgradeAnswer(status: number, headers: Readonly<Record<string, string | string[] | undefined>>, offer: UpgradeOffer): UpgradeAnswer {
  const map = new Map<string, string>();
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) map.set(name, Array.isArray(value) ? value.join(', ') : value);
  const head = { status, statusText: '', headers: map, rest: Buffer.alloc(0) };
  const extensions = offer.deflate !== null ? [PERMESSAGE_DEFLATE] : [];
  const result = status === 200 ? checkConnectResponse(head, { subprotocols: offer.subprotocols, extensions }) : checkResponse(head, { key: offer.key, subprotocols: offer.subprotocols, extensions });
  let deflate: DeflateSetting | null = null;
  if (offer.deflate !== null && result.extensions !== '') {
    let agreement;
    try {
      agreement = acceptDeflateResponse(result.extensions, offer.deflate);
    } catch (e) {
      throw new HandshakeError((e as Error).message, status);
    }
    if (agreement !== null) deflate = { agreement, options: offer.deflate };
  }
  return { subprotocol: result.subprotocol, extensions: result.extensions, deflate };
}
