/**
 * The Qt face's side of the core's {@link EndpointEvents}: turns the endpoint's reports into Qt's
 * signals. It exists so the public WebSocket class carries no handler methods (nothing like
 * `onTextMessage` in its `.d.ts`). It is the socket's {@link SocketStatus} too (one internal
 * object per socket instead of two, kept across the socket's connections: it holds nothing of
 * one connection).
 * @module
 */
import type { EventEmitter } from 'node:events';
import type { EndpointEvents } from '../core/endpoint';
import { tlsAlertOf } from '../transport/tlsAlerts';
import { emitAlert } from './sslFlow';
import { SocketState } from '../protocol/enums';
import { SocketStatus } from './socketStatus';
import type { WebSocketSignals } from './types';

/** The part of the socket's private state changes the events need (supplied by WebSocket). */
export interface SocketLifecycle<W> {
  /** The connection is gone. */
  closed(ws: W, closeReceived: boolean, closeSent: boolean, lostError: Error | null): void;
}

// one for every socket (set once by the WebSocket class, see grantSocketLifecycle)
let lifecycle: SocketLifecycle<EventEmitter<WebSocketSignals>> | null = null;

/** Called once, by the WebSocket class's static block. */
export function grantSocketLifecycle<W extends EventEmitter<WebSocketSignals>>(l: SocketLifecycle<W>): void {
  lifecycle = l as unknown as SocketLifecycle<EventEmitter<WebSocketSignals>>;
}

// which of the signals that change the core's per-message work have listeners (bits of #wants)
const WANTS_FRAMES = 1;
const WANTS_BYTES_WRITTEN = 2;

/** See the module comment. `W` is the WebSocket class (kept generic: no import circle). */
export class SocketEvents<W extends EventEmitter<WebSocketSignals>> extends SocketStatus implements EndpointEvents {
  /** WANTS_FRAMES, WANTS_BYTES_WRITTEN: kept current by {@link listenersChanged} (read per message and per write). */
  #wants = 0;

  constructor(ws: W) {
    super(ws);
  }

  /** Frame signals have listeners. */
  get wantsFrames(): boolean {
    return (this.#wants & WANTS_FRAMES) !== 0;
  }
  /** bytesWritten has listeners. */
  get wantsBytesWritten(): boolean {
    return (this.#wants & WANTS_BYTES_WRITTEN) !== 0;
  }

  /** Listeners of the socket's frame or bytesWritten signals came or went (see qt/listenerWatch). */
  listenersChanged(): void {
    const ws = this.emitter;
    this.#wants = (ws.listenerCount('textFrameReceived') + ws.listenerCount('binaryFrameReceived') > 0 ? WANTS_FRAMES : 0) | (ws.listenerCount('bytesWritten') > 0 ? WANTS_BYTES_WRITTEN : 0);
  }
  onTextFrame(frame: string, isLastFrame: boolean): void {
    this.emitter.emit('textFrameReceived', frame, isLastFrame);
  }
  onBinaryFrame(frame: Buffer, isLastFrame: boolean): void {
    this.emitter.emit('binaryFrameReceived', frame, isLastFrame);
  }
  onTextMessage(message: string): void {
    this.emitter.emit('textMessageReceived', message);
  }
  onBinaryMessage(message: Buffer): void {
    this.emitter.emit('binaryMessageReceived', message);
  }
  onPing(_payload: Buffer): void {
    // Qt has no ping signal: the pong is sent by the session
  }
  onPong(elapsedMs: number, payload: Buffer): void {
    this.emitter.emit('pong', elapsedMs, payload);
  }
  onPeerClose(code: number, reason: string): void {
    if (this.peerClosed(code, reason)) closingByPeer(this.emitter, this);
  }
  onProtocolError(code: number, reason: string): void {
    if (this.failedWith(code, reason)) closingByPeer(this.emitter, this);
  }
  onBytesWritten(bytes: number): void {
    this.emitter.emit('bytesWritten', bytes);
  }
  onDrained(): void {
    this.emitter.emit('drained');
  }
  onReadFinished(): void {
    this.emitter.emit('readChannelFinished');
  }
  onSocketError(err: Error): void {
    // a fatal TLS alert on an open wss:// connection (see transport/tlsAlerts); the error itself
    // is reported on close (a reset without a close handshake is RemoteHostClosedError)
    const alert = tlsAlertOf(err);
    if (alert !== null) emitAlert(this.emitter, alert.received, alert.level, alert.type, alert.description);
  }
  onClosed(closeReceived: boolean, closeSent: boolean, lostError: Error | null): void {
    (lifecycle as SocketLifecycle<EventEmitter<WebSocketSignals>>).closed(this.emitter, closeReceived, closeSent, lostError);
  }
}

/**
 * Closing because of the peer: aboutToClose first, as when the user closes. (A function, not a
 * private method: a class with private methods gives each instance a hidden brand field.)
 */
function closingByPeer(ws: EventEmitter<WebSocketSignals>, status: SocketStatus): void {
  ws.emit('aboutToClose');
  status.setState(SocketState.ClosingState);
}
