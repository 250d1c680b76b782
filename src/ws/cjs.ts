/**
 * The CommonJS entry of qwebsocket/ws: `require('qwebsocket/ws')` is the WebSocket class, with
 * WebSocketServer, Server, createWebSocketStream and the ready states as its properties (as
 * `require('ws')`).
 * @module
 */
import { WebSocket } from './index';

export = WebSocket;
