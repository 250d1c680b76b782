/**
 * The ws-API module the ecosystem interop tests (socket.io, graphql-ws) run on: qwebsocket/ws from the
 * source, or, with QWS_ECOSYSTEM_TARGET=ws, the real `ws` package, so that a failure can be told apart
 * as the face's (fails only on the face) or the test's (fails on both). Typed as the face either way.
 */
import * as ws from 'ws';
import * as face from '../../src/ws/index';

const useWs = process.env.QWS_ECOSYSTEM_TARGET === 'ws';

/** Name of the module under test, for test titles. */
export const targetName = useWs ? 'ws' : 'qwebsocket/ws';
/** The WebSocket class (client and server side) under test. */
export const WebSocket = (useWs ? ws.WebSocket : face.WebSocket) as unknown as typeof face.WebSocket;
/** The WebSocketServer class under test. */
export const WebSocketServer = (useWs ? ws.WebSocketServer : face.WebSocketServer) as unknown as typeof face.WebSocketServer;
