/**
 * The ws face's side of the core's {@link EndpointEvents}: one small internal object per
 * connection that emits ws's events straight on the WebSocket — one emit per message, the data
 * as the core hands it (text as a Buffer, no decode). The WebSocket's own state changes (close
 * code, ready state) go through {@link WsLifecycle}, so the public class carries no handlers.
 * @module
 */
import type { EventEmitter } from 'node:events';
import type { EndpointEvents } from '../core/endpoint';
import type { BinaryType } from './constants';
import { binaryAs } from './data';

/** The socket's private state changes the events need (supplied by WebSocket). */
export interface WsLifecycle<W> {
  /** The peer's close frame arrived (our answer is queued). */
  peerClosed(ws: W, code: number, reason: string): void;
  /** The peer broke the protocol; our close frame with `code` is queued. */
  failed(ws: W, code: number, reason: string): void;
  /** A Blob given to send/ping/pong could not be read (`err`, ws's NotReadableError); the connection is failing. */
  sendFailed(ws: W, err: Error): void;
  /** The connection is gone. */
  closed(ws: W, closeReceived: boolean, closeSent: boolean): void;
  /** Held events wait (allowSynchronousEvents false): reading stops until they are out. */
  hold(ws: W, on: boolean): void;
}

// one for every socket (set once by the WebSocket class, see grantWsLifecycle)
let lifecycle: WsLifecycle<EventEmitter> | null = null;

/** Called once, by the WebSocket class's static block. */
export function grantWsLifecycle<W extends EventEmitter>(l: WsLifecycle<W>): void {
  lifecycle = l as unknown as WsLifecycle<EventEmitter>;
}

/** See the module comment. `W` is the WebSocket class (generic: no import circle). Its helpers are TS `private`, not `#`: `#` methods cost every instance 8 bytes (a brand). */
export class WsSocketEvents<W extends EventEmitter> implements EndpointEvents {
  /** The WebSocket's binaryType, kept here so a binary message costs no lookup on the socket. */
  binaryType: BinaryType = 'nodebuffer';
  readonly #ws: W;
  /**
   * allowSynchronousEvents false: 'message', 'ping' and 'pong' are emitted one per event-loop
   * turn (ws's WHATWG-compatible mode); null when they go out at once (the default).
   */
  #held: Held[] | null;

  constructor(ws: W, allowSynchronousEvents: boolean) {
    this.#ws = ws;
    this.#held = allowSynchronousEvents ? null : [];
  }

  // the ws face has no frame-level or bytes-written events (getters: no field per connection)
  get wantsFrames(): boolean {
    return false;
  }
  get wantsBytesWritten(): boolean {
    return false;
  }

  onTextBytes(message: Buffer): void {
    if (this.#held === null) this.#ws.emit('message', message, false);
    else this.hold(() => this.#ws.emit('message', message, false));
  }
  onTextMessage(message: string): void {
    // not called: onTextBytes takes text messages (kept for the interface, as bytes)
    this.onTextBytes(Buffer.from(message, 'utf8'));
  }
  onBinaryMessage(message: Buffer): void {
    const data = this.binaryType === 'nodebuffer' ? message : binaryAs(this.binaryType, message);
    if (this.#held === null) this.#ws.emit('message', data, true);
    else this.hold(() => this.#ws.emit('message', data, true));
  }
  onTextFrame(): void {
    // not called: wantsFrames is false
  }
  onBinaryFrame(): void {
    // not called: wantsFrames is false
  }
  onPing(payload: Buffer): void {
    // the payload may be a view of a read buffer: copied when the event waits
    if (this.#held === null) this.#ws.emit('ping', payload);
    else {
      const p = Buffer.from(payload);
      this.hold(() => this.#ws.emit('ping', p));
    }
  }
  onPong(_elapsedMs: number, payload: Buffer): void {
    if (this.#held === null) this.#ws.emit('pong', payload);
    else {
      const p = Buffer.from(payload);
      this.hold(() => this.#ws.emit('pong', p));
    }
  }
  onPeerClose(code: number, reason: string): void {
    this.after(() => (lifecycle as WsLifecycle<EventEmitter>).peerClosed(this.#ws, code, reason));
  }
  onProtocolError(code: number, reason: string): void {
    this.after(() => (lifecycle as WsLifecycle<EventEmitter>).failed(this.#ws, code, reason));
  }
  onSendFailed(err: Error): void {
    this.after(() => (lifecycle as WsLifecycle<EventEmitter>).sendFailed(this.#ws, err));
  }
  onBytesWritten(): void {
    // not called: wantsBytesWritten is false
  }
  onDrained(): void {
    // ws has no drained event (bufferedAmount is polled)
  }
  onReadFinished(): void {
    // the endpoint closes our side; 'close' follows
  }
  onSocketError(): void {
    // as ws: a socket error is no 'error' event; the close (1006) reports it
  }
  onClosed(closeReceived: boolean, closeSent: boolean): void {
    this.after(() => (lifecycle as WsLifecycle<EventEmitter>).closed(this.#ws, closeReceived, closeSent));
  }

  /** Runs `fn` now, or after the held events (the close comes after the messages before it). */
  private after(fn: () => void): void {
    if (this.#held === null || this.#held.length === 0) fn();
    else this.#held.push({ fn, event: false });
  }

  private hold(fn: () => void): void {
    const q = this.#held as Held[];
    q.push({ fn, event: true });
    if (q.length === 1) {
      (lifecycle as WsLifecycle<EventEmitter>).hold(this.#ws, true);
      setImmediate(() => this.release());
    }
  }

  /** One held event per turn, with the state changes queued behind it. */
  private release(): void {
    const q = this.#held as Held[];
    (q.shift() as Held).fn();
    while (q.length > 0 && !q[0].event) (q.shift() as Held).fn();
    if (q.length > 0) setImmediate(() => this.release());
    else (lifecycle as WsLifecycle<EventEmitter>).hold(this.#ws, false);
  }
}

/** A held event, or a state change waiting behind held events. */
interface Held {
  fn: () => void;
  event: boolean;
}
