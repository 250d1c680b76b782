/**
 * The raw peers of helpers/rawPeer over HTTP/2 (RFC 8441, h2c): a client that opens one extended
 * CONNECT stream to a server, and a server that accepts extended CONNECT streams; both then write
 * exact bytes on the stream and read back exactly the frames the library sends. Like a TCP peer
 * that does not stay half-open, each answers the other side's END_STREAM with its own.
 */
import { connect, createServer, type ClientHttp2Session, type Http2Session, type IncomingHttpHeaders, type OutgoingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import type { Duplex } from 'node:stream';
import { FrameReader } from './rawPeer';

function answerEnd(stream: Duplex): void {
  stream.on('error', () => {});
  stream.on('end', () => stream.end());
}

/** Opens an extended CONNECT stream to `port` (h2c) with `extra` header fields; resolves with the answer's fields. */
export async function rawHttp2Connect(port: number, path = '/', extra: OutgoingHttpHeaders = {}): Promise<{ socket: Duplex; reader: FrameReader; session: ClientHttp2Session; headers: IncomingHttpHeaders }> {
  const session = connect(`http://127.0.0.1:${port}`);
  session.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    session.once('remoteSettings', () => resolve());
    session.once('close', () => reject(new Error('session closed before SETTINGS')));
  });
  const stream = session.request({ ':method': 'CONNECT', ':protocol': 'websocket', ':scheme': 'http', ':path': path, ':authority': `127.0.0.1:${port}`, 'sec-websocket-version': '13', ...extra });
  answerEnd(stream);
  const reader = new FrameReader(stream);
  // a session with no stream left goes away, like the TCP connection of rawClient
  stream.once('close', () => session.close());
  const headers = await new Promise<IncomingHttpHeaders>((resolve, reject) => {
    stream.once('response', resolve);
    stream.once('close', () => reject(new Error('stream closed before its answer')));
  });
  return { socket: stream, reader, session, headers };
}

/** As {@link rawHttp2Connect}; rejects unless the answer is :status 200. */
export async function rawHttp2Client(port: number, path = '/'): Promise<{ socket: Duplex; reader: FrameReader; session: ClientHttp2Session }> {
  const c = await rawHttp2Connect(port, path);
  if (c.headers[':status'] !== 200) throw new Error(`stream refused: ${c.headers[':status']}`);
  return c;
}

/** An h2c server that accepts every extended CONNECT with :status 200 and hands the stream to `onPeer`. */
export async function rawHttp2Server(onPeer: (stream: ServerHttp2Stream, reader: FrameReader) => void): Promise<{ port: number; close: () => Promise<void> }> {
  const server = createServer({ settings: { enableConnectProtocol: true } });
  const sessions = new Set<Http2Session>();
  server.on('session', (s) => {
    sessions.add(s);
    s.on('close', () => sessions.delete(s));
  });
  server.on('stream', (stream, headers) => {
    if (headers[':method'] !== 'CONNECT' || headers[':protocol'] !== 'websocket') {
      stream.respond({ ':status': 400 });
      stream.end();
      return;
    }
    answerEnd(stream);
    stream.respond({ ':status': 200 });
    onPeer(stream, new FrameReader(stream));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as { port: number }).port,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sessions) s.destroy();
        server.close(() => r());
      }),
  };
}
