/**
 * What an endpoint reports to its face while nobody can listen yet: a server connection is read
 * from the moment its handshake is done (pings are answered, a peer that leaves is noticed), but
 * its user attaches listeners only once the server hands it over (Qt: nextPendingConnection
 * after newConnection; a framework's handleUpgrade callback). The data reports of that time —
 * messages, frames, pongs, the peer's close, a protocol failure, the end of the read side — are
 * kept here in order and replayed to the face after the hand-off, so nothing a client sent after
 * its handshake is lost. Payload buffers are copied: a view would pin a whole shared read buffer.
 * @module
 */
import type { EndpointEvents } from './endpoint';

/** The reports kept: the face's methods, called with the same arguments on replay. */
type Kept = 'onTextFrame' | 'onBinaryFrame' | 'onTextMessage' | 'onTextBytes' | 'onBinaryMessage' | 'onPong' | 'onPeerClose' | 'onProtocolError' | 'onReadFinished' | 'onClosed';

/** See the module comment. */
export class HeldReports {
  /** Four slots per report: the method, then up to three arguments. */
  readonly #queue: unknown[] = [];
  /** Payload bytes kept (the endpoint stops reading above its bound). */
  bytes = 0;
  /** Handed over: the replay is scheduled, reports still join the queue until it has run. */
  released = false;

  /** Nothing was kept. */
  get empty(): boolean {
    return this.#queue.length === 0;
  }

  /** @returns the payload bytes now kept */
  #add(kind: Kept, bytes: number, a?: unknown, b?: unknown, c?: unknown): number {
    this.#queue.push(kind, a, b, c);
    return (this.bytes += bytes);
  }
  textFrame(frame: string, last: boolean): number {
    return this.#add('onTextFrame', frame.length, frame, last);
  }
  binaryFrame(frame: Buffer, last: boolean): number {
    return this.#add('onBinaryFrame', frame.length, Buffer.from(frame), last);
  }
  textMessage(message: string): number {
    return this.#add('onTextMessage', message.length, message);
  }
  textBytes(message: Buffer): number {
    return this.#add('onTextBytes', message.length, Buffer.from(message));
  }
  binaryMessage(message: Buffer): number {
    return this.#add('onBinaryMessage', message.length, Buffer.from(message));
  }
  pong(elapsedMs: number, payload: Buffer): number {
    return this.#add('onPong', payload.length, elapsedMs, Buffer.from(payload));
  }
  peerClose(code: number, reason: string): void {
    this.#add('onPeerClose', 0, code, reason);
  }
  protocolError(code: number, reason: string): void {
    this.#add('onProtocolError', 0, code, reason);
  }
  readFinished(): void {
    this.#add('onReadFinished', 0);
  }
  /** The connection closed after the hand-off but before the replay ran. */
  closed(closeReceived: boolean, closeSent: boolean, lostError: Error | null): void {
    this.#add('onClosed', 0, closeReceived, closeSent, lostError);
  }

  /**
   * Reports everything kept, in order, to `to`; stops early when `stopped()` turns true (the
   * face aborted the connection from a handler).
   */
  replay(to: EndpointEvents, stopped: () => boolean): void {
    const q = this.#queue;
    for (let i = 0; i < q.length && !stopped(); i += 4) {
      const report = to[q[i] as Kept] as (a: unknown, b: unknown, c: unknown) => void;
      report.call(to, q[i + 1], q[i + 2], q[i + 3]);
    }
    q.length = 0;
    this.bytes = 0;
  }
}
