/**
 * The project's error classes. Each has a stable `code` (QWS_ERR_*), the close code where it is a
 * protocol error, and `cause`. Messages never carry credentials or peer-controlled bytes verbatim.
 * @module
 */

/** Base class of every error this library throws or reports. */
export class WebSocketError extends Error {
  /** Stable machine-readable code, e.g. `QWS_ERR_INVALID_ARGUMENT`. */
  readonly code: string;
  /** The WebSocket close code sent for protocol errors, else undefined. */
  readonly closeCode: number | undefined;

  constructor(code: string, message: string, options?: { cause?: unknown; closeCode?: number }) {
    super(message, options?.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = new.target.name;
    this.code = code;
    this.closeCode = options?.closeCode;
  }
}

/** A bad argument or option passed to the API (thrown synchronously). */
export class InvalidArgumentError extends WebSocketError {
  constructor(message: string) {
    super('QWS_ERR_INVALID_ARGUMENT', message);
  }
}

/** An operation not allowed in the current state. */
export class InvalidStateError extends WebSocketError {
  constructor(message: string) {
    super('QWS_ERR_INVALID_STATE', message);
  }
}

/** The opening handshake failed (RFC 6455 §4.1 / §4.2). */
export class HandshakeError extends WebSocketError {
  /** HTTP status to answer with (server side) or received (client side). */
  readonly status: number;

  constructor(message: string, status = 400, options?: { cause?: unknown }) {
    super('QWS_ERR_HANDSHAKE', message, options);
    this.status = status;
  }
}

/** The peer broke RFC 6455 framing rules; the connection is closed with `closeCode`. */
export class ProtocolError extends WebSocketError {
  constructor(message: string, closeCode: number) {
    super('QWS_ERR_PROTOCOL', message, { closeCode });
  }
}
