/**
 * The Qt face's record of where a WebSocket is: its SocketState (changed only here, which emits
 * stateChanged), the last error (errorOccurred), and the close code and reason it reports, with
 * Qt's rules for them — whoever started the close keeps their code and reason, a protocol error
 * keeps the code we sent, a loss without a close handshake reports 1006 and RemoteHostClosedError.
 * @module
 */
import type { EventEmitter } from 'node:events';
import { CloseCode } from '../codec/constants';
import { SocketError, SocketState } from '../protocol/enums';
import { truncateUtf8 } from '../protocol/closeFrame';
import { isTlsError, tlsErrorText } from '../transport/tlsAlerts';
import type { WebSocketSignals } from './types';

/** The last error and the close code and reason: made on the first of them (an open, error-free socket has none). */
interface StatusRecord {
  error: SocketError;
  errorString: string;
  closeCode: CloseCode;
  /** Set when we failed the connection for a protocol error: closeCode keeps the code we sent. */
  failed: boolean;
  closeReason: string;
}

// (a function, not a private method: a class with private methods costs every instance a field)
function newRecord(): StatusRecord {
  return { error: SocketError.UnknownSocketError, errorString: '', closeCode: CloseCode.CloseCodeNormal, failed: false, closeReason: '' };
}

/** See the module comment. */
export class SocketStatus {
  /** The socket whose signals these are (its events object, a subclass, emits through it too). */
  protected readonly emitter: EventEmitter<WebSocketSignals>;
  #state = SocketState.UnconnectedState;
  #record: StatusRecord | null = null;

  constructor(emitter: EventEmitter<WebSocketSignals>) {
    this.emitter = emitter;
  }

  get state(): SocketState {
    return this.#state;
  }
  get connected(): boolean {
    return this.#state === SocketState.ConnectedState;
  }
  get error(): SocketError {
    return this.#record?.error ?? SocketError.UnknownSocketError;
  }
  get errorString(): string {
    return this.#record?.errorString ?? '';
  }
  get closeCode(): CloseCode {
    return this.#record?.closeCode ?? CloseCode.CloseCodeNormal;
  }
  get closeReason(): string {
    return this.#record?.closeReason ?? '';
  }

  /** The one place the state changes; emits stateChanged when it does. */
  setState(state: SocketState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.emitter.emit('stateChanged', state);
  }
  /** A server socket starts connected, before anyone can listen: no signal. */
  startConnected(): void {
    this.#state = SocketState.ConnectedState;
  }
  setError(error: SocketError, message: string): void {
    const r = (this.#record ??= newRecord());
    r.error = error;
    r.errorString = message;
    this.emitter.emit('errorOccurred', error);
  }

  /** A new open(): nothing of the last connection's close is reported any more. */
  reset(): void {
    const r = this.#record;
    if (r === null) return;
    r.closeCode = CloseCode.CloseCodeNormal;
    r.closeReason = '';
    r.failed = false;
  }

  /** We close with `code`: the reason is kept as sent, cut to 123 bytes on a code-point boundary (as Qt). */
  closing(code: CloseCode, reason: string): void {
    const r = (this.#record ??= newRecord());
    r.closeCode = code;
    r.closeReason = truncateUtf8(reason).toString('utf8');
  }

  /** Aborted: without the peer's close frame, the close was abnormal. */
  aborted(closeReceived: boolean): void {
    if (!closeReceived) (this.#record ??= newRecord()).closeCode = CloseCode.CloseCodeAbnormalDisconnection;
  }

  /** The peer started (or answered) the close handshake. @returns true when that starts our closing */
  peerClosed(code: number, reason: string): boolean {
    if (this.#state !== SocketState.ConnectedState) return false;
    // the peer started the close: its code and reason are why we close (when we started it,
    // Qt keeps ours and the peer's answer does not replace them)
    const r = (this.#record ??= newRecord());
    r.closeCode = code;
    r.closeReason = reason;
    return true;
  }

  /** The peer broke the protocol; we sent `code`. @returns true when that starts our closing */
  failedWith(code: number, reason: string): boolean {
    const r = (this.#record ??= newRecord());
    r.failed = true;
    r.closeCode = code;
    r.closeReason = reason;
    return this.#state === SocketState.ConnectedState;
  }

  /** The connection is gone: what it reports when the close handshake did not complete. */
  closed(closeReceived: boolean, closeSent: boolean, lostError: Error | null): void {
    if ((closeReceived && closeSent) || this.#record?.failed === true) return;
    if (!closeReceived) {
      const r = (this.#record ??= newRecord());
      r.closeCode = CloseCode.CloseCodeAbnormalDisconnection;
      if (!closeSent) r.closeReason = '';
    }
    if (!closeSent) {
      // a reset without a close handshake is RemoteHostClosedError
      this.setError(SocketError.RemoteHostClosedError, lostError !== null ? `Connection lost: ${isTlsError(lostError) ? tlsErrorText(lostError) : lostError.message}` : 'The remote host closed the connection');
    }
  }
}
