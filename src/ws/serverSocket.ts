/**
 * The server side of the ws face's WebSocket: what a WebSocketServer hands a socket it accepted,
 * and the internal hooks through which it attaches, starts and feeds it (topics). They live here,
 * not as methods, so the public class shows only ws's members (see DESIGN.md, the faces).
 * @module
 */
import type { DeflateSetting } from '../core/request';
import type { TopicHub } from '../core/topicHub';
import type { TransportSocket } from '../transport/openConnection';
import type { SharedCompressor, TopicDelivery } from '../core/topics';
import type { ConnectionSettings } from './options';
import type { WebSocket } from './WebSocket';

/** What a server hands over with an upgraded socket. */
export interface ServerSocketInfo {
  protocol: string;
  extensions: string;
  deflate: DeflateSetting | null;
  settings: ConnectionSettings;
  /** Called once when the connection is closed (the server's client tracking). */
  onClose: ((ws: WebSocket) => void) | null;
  /** The server's topics. */
  topics: TopicHub<WebSocket>;
}

/** @internal What WebSocket grants (from its static block) to reach its private state. */
export interface ServerSocketHooks {
  attach(ws: WebSocket, socket: TransportSocket, info: ServerSocketInfo): void;
  startReading(ws: WebSocket, head: Buffer): void;
  sendShared(ws: WebSocket, frames: readonly Buffer[]): boolean;
  sharedCompressor(ws: WebSocket): SharedCompressor | null;
  nativeId(ws: WebSocket): number;
}

let hooks: ServerSocketHooks;

/** @internal Called once, by WebSocket's static block. */
export function grantServerSocketHooks(granted: ServerSocketHooks): void {
  hooks = granted;
}

/**
 * @internal Used by WebSocketServer: makes `ws` the server side of an upgraded connection; it
 * reads once {@link startServerSocket} is called (after the user has it, so no message is lost).
 */
export function attachServerSocket(ws: WebSocket, socket: TransportSocket, info: ServerSocketInfo): void {
  hooks.attach(ws, socket, info);
}

/** @internal Starts reading (the bytes that came with the upgrade first). */
export function startServerSocket(ws: WebSocket, head: Buffer): void {
  hooks.startReading(ws, head);
}

/** @internal How a server's topics reach its sockets (write caps apply, see Connection.sendShared). */
export const topicDelivery: TopicDelivery<WebSocket> = {
  write: (ws, frames) => hooks.sendShared(ws, frames),
  sharedCompressor: (ws) => hooks.sharedCompressor(ws),
  nativeId: (ws) => hooks.nativeId(ws),
};
