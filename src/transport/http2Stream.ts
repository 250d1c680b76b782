/**
 * An HTTP/2 stream as a WebSocket's byte stream (RFC 8441 §5: "as if it were the TCP connection"
 * of RFC 6455). The stream is a Duplex, so the `net.Socket` transport ({@link Connection}) runs it
 * as is; what differs is said here: the addresses are the session's socket's, ending our side is
 * END_STREAM (the orderly close), and destroying it sends RST_STREAM with CANCEL (the TCP reset
 * of RFC 6455: abort(), the close timeout). HTTP/2 flow control is the backpressure: what the
 * peer's window does not take stays in the stream's `writableLength`, which the write cap and the
 * drained watermarks count like a socket's unsent bytes.
 * @module
 */
import { constants as h2, type Http2Stream } from 'node:http2';
import type { Socket } from 'node:net';
import type { SessionHandler, SessionOptions } from '../protocol/session';
import { Connection } from './connection';
import type { ConnectionEvents, WriteLimits } from './connectionBase';

/** True for an HTTP/2 stream (Node exports no class to test with instanceof). */
export function isHttp2Stream(s: object): s is Http2Stream {
  return 'rstCode' in s && 'session' in s;
}

/** See the module comment. */
export class Http2StreamConnection extends Connection {
  readonly #stream: Http2Stream;

  constructor(stream: Http2Stream, handler: SessionHandler, events: ConnectionEvents, options: SessionOptions, limits: WriteLimits) {
    super(stream, handler, events, options, limits);
    this.#stream = stream;
  }

  protected override get addressSocket(): Partial<Socket> {
    return this.#stream.session?.socket ?? {};
  }

  protected override destroySocket(): void {
    const s = this.#stream;
    if (!s.destroyed && !s.closed) s.close(h2.NGHTTP2_CANCEL);
    s.destroy();
  }
}
