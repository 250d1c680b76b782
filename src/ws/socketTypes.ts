/**
 * The types of the ws face's WebSocket: send()'s options and the events with their arguments
 * (ws's doc/ws.md).
 * @module
 */

/** Options of `WebSocket.send`. */
export interface SendOptions {
  /** Send as binary (default: true unless `data` is a string). */
  binary?: boolean;
  /** Compress when permessage-deflate is on (default true). */
  compress?: boolean;
  /** Last fragment of the message (default true); false sends a fragment. */
  fin?: boolean;
  /** Accepted for compatibility: client frames are always masked, server frames never (RFC 6455 §5.1). */
  mask?: boolean;
}

/** ws's events of a WebSocket and their arguments. */
export interface WebSocketEventMap {
  open: [];
  message: [data: Buffer | ArrayBuffer | Buffer[] | Blob, isBinary: boolean];
  close: [code: number, reason: Buffer];
  error: [error: Error];
  ping: [data: Buffer];
  pong: [data: Buffer];
  upgrade: [response: import('node:http').IncomingMessage];
  /** `request` is the extended CONNECT's stream when the answer came over HTTP/2 (the `http2` option). */
  'unexpected-response': [request: import('node:http').ClientRequest | import('node:http2').ClientHttp2Stream, response: import('node:http').IncomingMessage];
  redirect: [url: string, request: import('node:http').ClientRequest];
}
