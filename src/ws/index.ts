/**
 * qwebsocket/ws: the API of `ws` 8 (its doc/ws.md) over qwebsocket's core, so that replacing
 * `require('ws')` with `require('qwebsocket/ws')` is the migration. ESM:
 * `import WebSocket, { WebSocketServer } from 'qwebsocket/ws'`; CommonJS gets the WebSocket
 * class with the statics as properties (see ./cjs). Differences: README "Migrating from ws".
 * @module
 */
import { WebSocket } from './WebSocket';
import { WebSocketServer } from './WebSocketServer';
import { createWebSocketStream } from './stream';

WebSocket.WebSocket = WebSocket;
WebSocket.WebSocketServer = WebSocketServer;
WebSocket.Server = WebSocketServer;
WebSocket.createWebSocketStream = createWebSocketStream;

export { WebSocket, WebSocketServer, WebSocketServer as Server, createWebSocketStream };
export type { ClientOptions, SendOptions, WebSocketEventMap } from './WebSocket';
export type { ServerOptions, VerifyClientInfo, WebSocketServerEventMap } from './WebSocketServer';
export type { WsConnectionOptions, WsPerMessageDeflateOptions } from './options';
export { CONNECTING, OPEN, CLOSING, CLOSED, type BinaryType, type WsErrorCode, type WsProtocolError } from './constants';
export { Event, MessageEvent, CloseEvent, ErrorEvent, type EventListenerLike } from './eventTarget';
export default WebSocket;
