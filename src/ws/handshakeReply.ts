/**
 * How the ws face answers one opening handshake: on the socket of an HTTP/1.1 upgrade (the 101
 * lines), or on an HTTP/2 extended CONNECT stream (RFC 8441: `:status` 200 header fields). The
 * server's hooks (shouldHandle, verifyClient, handleProtocols, 'headers') run the same for both.
 * @module
 */
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import type { Duplex } from 'node:stream';
import {
  acceptResponseLines, checkConnectRequest, checkUpgradeRequest, connectAcceptLines, http2FieldsOfLines, type AcceptedUpgrade, type RefusedUpgrade,
} from '../protocol/serverHandshake';
import { refuseStream } from '../transport/http2Upgrade';
import { refuseUpgrade } from '../transport/upgrade';
import { WS_VERSIONS } from './handshakeRules';

/** See the module comment. */
export interface HandshakeReply {
  /** The socket or stream: what 'wsClientError' listeners get, and what becomes the WebSocket. */
  readonly socket: Duplex;
  /** Bytes that came with the request (none over HTTP/2). */
  readonly head: Buffer;
  /** The request, checked by protocol/serverHandshake. */
  readonly check: AcceptedUpgrade | RefusedUpgrade;
  /** Answers with an error status (the body: `message`, or the status text) and ends. */
  refuse(code: number, message?: string, headers?: Record<string, string | number>): void;
  /** The answer's lines as ws's 'headers' listeners see (and may edit) them. */
  acceptLines(protocol: string, extensions: string): string[];
  /** Sends the answer. */
  accept(lines: string[]): void;
}

const statusText = (code: number): string => STATUS_CODES[code] ?? 'Error';
const pairs = (headers: Record<string, string | number>): Array<[string, string]> => Object.entries(headers).map(([k, v]) => [k, String(v)]);

/** The answer to an HTTP/1.1 upgrade on `socket`. */
export function http1Reply(req: IncomingMessage, socket: Duplex, head: Buffer): HandshakeReply {
  const check = checkUpgradeRequest({ method: req.method ?? '', httpVersion: req.httpVersion, headers: req.headers }, WS_VERSIONS);
  return {
    socket,
    head,
    check,
    refuse: (code, message, headers = {}) => refuseUpgrade(socket, code, message ?? statusText(code), pairs(headers)),
    acceptLines: (protocol, extensions) => acceptResponseLines('key' in check ? check.key : '', protocol, extensions),
    accept: (lines) => socket.write(lines.concat('\r\n').join('\r\n')),
  };
}

/** The answer to an extended CONNECT on `stream`. */
export function http2Reply(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): HandshakeReply {
  const check = checkConnectRequest({ headers });
  return {
    socket: stream,
    head: Buffer.alloc(0),
    check,
    refuse: (code, message, extra = {}) => refuseStream(stream, code, message ?? statusText(code), pairs(extra)),
    acceptLines: (protocol, extensions) => connectAcceptLines('key' in check ? check.key : '', protocol, extensions),
    accept: (lines) => stream.respond(http2FieldsOfLines(lines)),
  };
}
