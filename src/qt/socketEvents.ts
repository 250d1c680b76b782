/**
 * The Qt face's side of the core's {@link EndpointEvents}: a small internal object per
 * connection that turns the endpoint's reports into Qt's signals. It exists so the public
 * WebSocket class carries no handler methods (nothing like `onTextMessage` in its `.d.ts`).
 * @module
 */
import type { EventEmitter } from 'node:events';
import type { EndpointEvents } from '../core/endpoint';
import { tlsAlertOf } from '../transport/tlsAlerts';
import { emitAlert } from './sslFlow';
import { SocketState } from '../protocol/enums';
import type { SocketStatus } from './socketStatus';
import type { WebSocketSignals } from './types';

/** The part of the socket's private state changes the events need (supplied by WebSocket). */
export interface SocketLifecycle<W> {
  /** The connection is gone. */
  closed(ws: W, closeReceived: boolean, closeSent: boolean, lostError: Error | null): void;
}

/** See the module comment. `W` is the WebSocket class (kept generic: no import circle). */
export class SocketEvents<W extends EventEmitter<WebSocketSignals>> implements EndpointEvents {
  readonly #ws: W;
  readonly #status: SocketStatus;
  readonly #lifecycle: SocketLifecycle<W>;

  /** Frame signals have listeners (kept current by {@link listenersChanged}). */
  wantsFrames = false;
  /** bytesWritten has listeners (kept current by {@link listenersChanged}). */
  wantsBytesWritten = false;

  /** @param status the socket's state and close record (the peer's close changes them here) */
  constructor(ws: W, status: SocketStatus, lifecycle: SocketLifecycle<W>) {
    this.#ws = ws;
    this.#status = status;
    this.#lifecycle = lifecycle;
    this.listenersChanged();
  }

  /** Listeners of the socket's frame or bytesWritten signals came or went (see qt/listenerWatch). */
  listenersChanged(): void {
    const ws = this.#ws;
    this.wantsFrames = ws.listenerCount('textFrameReceived') + ws.listenerCount('binaryFrameReceived') > 0;
    this.wantsBytesWritten = ws.listenerCount('bytesWritten') > 0;
  }
  onTextFrame(frame: string, isLastFrame: boolean): void {
    this.#ws.emit('textFrameReceived', frame, isLastFrame);
  }
  onBinaryFrame(frame: Buffer, isLastFrame: boolean): void {
    this.#ws.emit('binaryFrameReceived', frame, isLastFrame);
  }
  onTextMessage(message: string): void {
    this.#ws.emit('textMessageReceived', message);
  }
  onBinaryMessage(message: Buffer): void {
    this.#ws.emit('binaryMessageReceived', message);
  }
  onPing(_payload: Buffer): void {
    // Qt has no ping signal: the pong is sent by the session
  }
  onPong(elapsedMs: number, payload: Buffer): void {
    this.#ws.emit('pong', elapsedMs, payload);
  }
  onPeerClose(code: number, reason: string): void {
    if (this.#status.peerClosed(code, reason)) this.#closing();
  }
  onProtocolError(code: number, reason: string): void {
    if (this.#status.failedWith(code, reason)) this.#closing();
  }
  /** Closing because of the peer: aboutToClose first, as when the user closes. */
  #closing(): void {
    this.#ws.emit('aboutToClose');
    this.#status.setState(SocketState.ClosingState);
  }
  onBytesWritten(bytes: number): void {
    this.#ws.emit('bytesWritten', bytes);
  }
  onDrained(): void {
    this.#ws.emit('drained');
  }
  onReadFinished(): void {
    this.#ws.emit('readChannelFinished');
  }
  onSocketError(err: Error): void {
    // a fatal TLS alert on an open wss:// connection (see transport/tlsAlerts); the error itself
    // is reported on close (a reset without a close handshake is RemoteHostClosedError)
    const alert = tlsAlertOf(err);
    if (alert !== null) emitAlert(this.#ws, alert.received, alert.level, alert.type, alert.description);
  }
  onClosed(closeReceived: boolean, closeSent: boolean, lostError: Error | null): void {
    this.#lifecycle.closed(this.#ws, closeReceived, closeSent, lostError);
  }
}
