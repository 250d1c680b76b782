/**
 * The client's opening handshake as every face needs it: the upgrade request with the
 * permessage-deflate offer, and on the 101 the extension answer checked (RFC 7692 §5.1: a client
 * fails the connection on an answer it cannot accept). What a face adds is its own argument
 * rules and events.
 * @module
 */
import type { Socket } from 'node:net';
import { SocketError } from '../protocol/enums';
import type { ResponseHead } from '../protocol/handshake';
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
  /** The connection is open: start an Endpoint on `socket` with `response.rest` as head. */
  onConnected(socket: Socket, subprotocol: string, extensions: string, deflate: DeflateSetting | null, response: ResponseHead): void;
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
