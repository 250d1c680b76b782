/**
 * What a WebSocketServer does to the sockets it accepts that their users cannot: make a socket
 * the server side of an upgraded connection, hand it over, queue frames encoded once for many.
 * The WebSocket class grants these from its static block (they reach its private state); they
 * live here so that WebSocket's module exports — and its shipped `.d.ts` — show none of them.
 * Generic over the socket class, so this module imports no WebSocket (no import circle).
 * @module
 */
import type { EndpointSettings } from '../core/endpointSettings';
import type { DeflateSetting, RequestHeadText, RequestSource } from '../core/request';
import type { TopicDelivery } from '../core/topics';
import type { TransportSocket } from '../transport/openConnection';
import type { ServerLink } from './serverLink';

/**
 * What a server hands over for a socket it accepted. `T` is the face's socket class; `link` is
 * the server's one object for all its sockets (no closure or object per connection).
 */
export interface ServerSideInfo<T extends object> {
  request: RequestSource | RequestHeadText;
  origin: string;
  subprotocol: string;
  /** The server's limits and caps (a value: the socket keeps it until it changes one). */
  settings: EndpointSettings;
  /** The server's topics and gone-callback. */
  link: ServerLink<T>;
  /** permessage-deflate as the server agreed it, or null. */
  deflate: DeflateSetting | null;
}

/** See the module comment. `W` is the WebSocket class. */
export interface ServerSockets<W extends object> {
  /** A new socket, the server side of `socket` (upgraded; `head` is what came with the upgrade). */
  adopt(socket: TransportSocket, head: Buffer | null, info: ServerSideInfo<W>): W;
  /** The user has `ws` (nextPendingConnection, the handleUpgrade callback): what was read follows. */
  release(ws: W): void;
  /** Queues frames encoded once (broadcast), by reference. @returns false when not connected */
  queueEncoded(ws: W, frames: readonly Buffer[]): boolean;
  /** How the server's topics reach its connections (write caps apply, see transport/connection). */
  readonly topicDelivery: TopicDelivery<W>;
}

let grantedTo: object | null = null;
let granted: ServerSockets<object> | null = null;

/** Called once, by the socket class `cls`. */
export function grantServerSockets<W extends object>(cls: abstract new (...args: never[]) => W, sockets: ServerSockets<W>): void {
  grantedTo = cls;
  granted = sockets as unknown as ServerSockets<object>;
}

/** What `cls` granted (its module is loaded by then: the caller imports the class). */
export function serverSocketsOf<W extends object>(cls: abstract new (...args: never[]) => W): ServerSockets<W> {
  if (granted === null || grantedTo !== cls) throw new Error('serverSocketsOf: the socket class granted nothing');
  return granted as unknown as ServerSockets<W>;
}
