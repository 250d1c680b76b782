/**
 * How the ws face answers one opening handshake: on the socket of an HTTP/1.1 upgrade (the 101
 * lines), on an HTTP/2 extended CONNECT stream (RFC 8441: `:status` 200 header fields), or on a
 * connection of the native listener (ws/nativePort). The server's hooks (shouldHandle,
 * verifyClient, handleProtocols, 'headers') run the same for all.
 * @module
 */
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import {
  acceptResponseLines, checkConnectRequest, checkUpgradeRequest, connectAcceptLines, http2FieldsOfLines, type AcceptedUpgrade, type RefusedUpgrade,
} from '../protocol/serverHandshake';
import { refuseStream } from '../transport/http2Upgrade';
import { refuseUpgrade } from '../transport/upgrade';
import type { TransportSocket } from '../transport/openConnection';
import { WS_VERSIONS } from './handshakeRules';

/** See the module comment. */
export interface HandshakeReply {
  /** The socket or stream: what 'wsClientError' listeners get. */
  readonly socket: Duplex;
  /** What becomes the WebSocket's transport. */
  readonly transport: TransportSocket;
  /** False once the client has gone (an asynchronous verifyClient may outlast it). */
  readonly open: boolean;
  /** Drops the connection without an answer. */
  destroy(): void;
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

function destroyOnError(this: Duplex): void {
  this.destroy();
}

export const statusText = (code: number): string => STATUS_CODES[code] ?? 'Error';
export const pairs = (headers: Record<string, string | number>): Array<[string, string]> => Object.entries(headers).map(([k, v]) => [k, String(v)]);

/**
 * A reply on a socket or stream: an error on it destroys it until the answer is accepted (the
 * WebSocket's transport then handles errors).
 */
function streamReply(socket: Duplex, head: Buffer, check: AcceptedUpgrade | RefusedUpgrade, answer: Pick<HandshakeReply, 'refuse' | 'acceptLines' | 'accept'>): HandshakeReply {
  socket.on('error', destroyOnError);
  return {
    socket,
    transport: socket as Socket,
    get open() {
      return socket.readable && socket.writable;
    },
    destroy: () => socket.destroy(),
    head,
    check,
    refuse: answer.refuse,
    acceptLines: answer.acceptLines,
    accept: (lines) => {
      answer.accept(lines);
      socket.off('error', destroyOnError);
    },
  };
}

/** The lines of the 101 to an HTTP/1.1 upgrade, as 'headers' listeners see (and may edit) them. */
export function http1AcceptLines(check: AcceptedUpgrade | RefusedUpgrade, protocol: string, extensions: string): string[] {
  return acceptResponseLines('key' in check ? check.key : '', protocol, extensions);
}

/** The text of a 101 from its lines. */
export function http1AnswerText(lines: readonly string[]): string {
  return lines.join('\r\n') + '\r\n\r\n';
}

/** The 101 of an HTTP/1.1 upgrade: its lines ('headers' listeners may edit them), and `write` sends their text. */
function http1Answer(check: AcceptedUpgrade | RefusedUpgrade, write: (text: string) => void): Pick<HandshakeReply, 'acceptLines' | 'accept'> {
  return {
    acceptLines: (protocol, extensions) => http1AcceptLines(check, protocol, extensions),
    accept: (lines) => write(http1AnswerText(lines)),
  };
}

/** The answer to an HTTP/1.1 upgrade on `socket`. */
export function http1Reply(req: IncomingMessage, socket: Duplex, head: Buffer): HandshakeReply {
  const check = checkUpgradeRequest({ method: req.method ?? '', httpVersion: req.httpVersion, headers: req.headers }, WS_VERSIONS);
  return streamReply(socket, head, check, {
    refuse: (code, message, headers = {}) => refuseUpgrade(socket, code, message ?? statusText(code), pairs(headers)),
    ...http1Answer(check, (text) => {
      // the address stays readable on req.socket after the native transport takes the descriptor
      void (socket as Socket).remoteAddress;
      socket.write(text);
    }),
  });
}

/** The answer to an extended CONNECT on `stream`. */
export function http2Reply(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): HandshakeReply {
  const check = checkConnectRequest({ headers });
  return streamReply(stream, Buffer.alloc(0), check, {
    refuse: (code, message, extra = {}) => refuseStream(stream, code, message ?? statusText(code), pairs(extra)),
    acceptLines: (protocol, extensions) => connectAcceptLines('key' in check ? check.key : '', protocol, extensions),
    accept: (lines) => stream.respond(http2FieldsOfLines(lines)),
  });
}
