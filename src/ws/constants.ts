/**
 * The ws face's constants: ready states, binary types, and ws's error codes (`WS_ERR_*`) with
 * the close codes ws sends for them, mapped from the core's protocol-error reports.
 * @module
 */
import { DECODE_ERROR_REASON, DecodeError } from '../codec/constants';

/** The connection is not yet open. */
export const CONNECTING = 0;
/** The connection is open and ready to communicate. */
export const OPEN = 1;
/** The connection is in the process of closing. */
export const CLOSING = 2;
/** The connection is closed. */
export const CLOSED = 3;

/**
 * Defines the four ready states on a class and its prototype as ws does: data properties that
 * are enumerable, not writable, not configurable.
 */
export function defineReadyStates(cls: { prototype: object }): void {
  READY_STATE_NAMES.forEach((name, value) => {
    const d = { value, enumerable: true, writable: false, configurable: false };
    Object.defineProperty(cls, name, d);
    Object.defineProperty(cls.prototype, name, d);
  });
}

/** Names of the ready states, by value (for ws's "readyState 2 (CLOSING)" messages). */
export const READY_STATE_NAMES: readonly string[] = ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED'];

/** What binary messages are handed out as (ws's `binaryType`). */
export type BinaryType = 'nodebuffer' | 'arraybuffer' | 'fragments' | 'blob';
export const BINARY_TYPES: readonly BinaryType[] = ['nodebuffer', 'arraybuffer', 'fragments', 'blob'];

/** ws's error codes, as its doc/ws.md lists them. */
export type WsErrorCode =
  | 'WS_ERR_EXPECTED_FIN'
  | 'WS_ERR_EXPECTED_MASK'
  | 'WS_ERR_INVALID_CLOSE_CODE'
  | 'WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH'
  | 'WS_ERR_INVALID_OPCODE'
  | 'WS_ERR_INVALID_UTF8'
  | 'WS_ERR_UNEXPECTED_MASK'
  | 'WS_ERR_UNEXPECTED_RSV_1'
  | 'WS_ERR_UNEXPECTED_RSV_2_3'
  | 'WS_ERR_TOO_MANY_BUFFERED_PARTS'
  | 'WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH'
  | 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH';

/** An error the ws face emits for a peer that broke the protocol. */
export interface WsProtocolError extends Error {
  /** ws's error code; `QWS_ERR_BUFFER_OVERFLOW` for our unsent-bytes cap (no ws equivalent). */
  code: WsErrorCode | 'QWS_ERR_BUFFER_OVERFLOW' | 'QWS_ERR_INFLATE';
  /** The close code sent to the peer. */
  closeCode: number;
}

/** The ws code and message for each decoder error (by the reason the core reports). */
const BY_REASON = new Map<string, [WsErrorCode, string]>([
  [DECODE_ERROR_REASON[DecodeError.RSV_BITS], ['WS_ERR_UNEXPECTED_RSV_1', 'Invalid WebSocket frame: RSV1 must be clear']],
  [DECODE_ERROR_REASON[DecodeError.BAD_OPCODE], ['WS_ERR_INVALID_OPCODE', 'Invalid WebSocket frame: invalid opcode']],
  [DECODE_ERROR_REASON[DecodeError.CONTROL_FRAGMENTED], ['WS_ERR_EXPECTED_FIN', 'Invalid WebSocket frame: FIN must be set']],
  [DECODE_ERROR_REASON[DecodeError.CONTROL_TOO_LONG], ['WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH', 'Invalid WebSocket frame: invalid payload length']],
  [DECODE_ERROR_REASON[DecodeError.MASK_EXPECTED], ['WS_ERR_EXPECTED_MASK', 'Invalid WebSocket frame: MASK must be set']],
  [DECODE_ERROR_REASON[DecodeError.MASK_UNEXPECTED], ['WS_ERR_UNEXPECTED_MASK', 'Invalid WebSocket frame: MASK must be clear']],
  [DECODE_ERROR_REASON[DecodeError.UNEXPECTED_CONTINUATION], ['WS_ERR_INVALID_OPCODE', 'Invalid WebSocket frame: invalid opcode 0']],
  [DECODE_ERROR_REASON[DecodeError.EXPECTED_CONTINUATION], ['WS_ERR_INVALID_OPCODE', 'Invalid WebSocket frame: invalid opcode']],
  [DECODE_ERROR_REASON[DecodeError.LENGTH_HIGH_BIT], ['WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH', 'Unsupported WebSocket frame: payload length > 2^53 - 1']],
  [DECODE_ERROR_REASON[DecodeError.FRAME_TOO_LARGE], ['WS_ERR_UNSUPPORTED_MESSAGE_LENGTH', 'Max payload size exceeded']],
  [DECODE_ERROR_REASON[DecodeError.MESSAGE_TOO_LARGE], ['WS_ERR_UNSUPPORTED_MESSAGE_LENGTH', 'Max payload size exceeded']],
  [DECODE_ERROR_REASON[DecodeError.CLOSE_LENGTH_ONE], ['WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH', 'Invalid WebSocket frame: invalid payload length 1']],
  [DECODE_ERROR_REASON[DecodeError.CLOSE_INVALID_CODE], ['WS_ERR_INVALID_CLOSE_CODE', 'Invalid WebSocket frame: invalid status code']],
  [DECODE_ERROR_REASON[DecodeError.CLOSE_INVALID_UTF8], ['WS_ERR_INVALID_UTF8', 'Invalid WebSocket frame: invalid UTF-8 sequence']],
  [DECODE_ERROR_REASON[DecodeError.INVALID_UTF8], ['WS_ERR_INVALID_UTF8', 'Invalid WebSocket frame: invalid UTF-8 sequence']],
]);

/**
 * The error the ws face emits when the connection failed with `closeCode` for `reason` (as the
 * core's onProtocolError reports it).
 */
export function protocolErrorOf(closeCode: number, reason: string): WsProtocolError {
  const known = BY_REASON.get(reason);
  let code: WsProtocolError['code'];
  let message: string;
  if (known !== undefined) [code, message] = known;
  else if (closeCode === 1008) [code, message] = ['QWS_ERR_BUFFER_OVERFLOW', `Too much unsent data (${reason})`];
  else if (closeCode === 1009) [code, message] = ['WS_ERR_UNSUPPORTED_MESSAGE_LENGTH', 'Max payload size exceeded'];
  else if (closeCode === 1007 && /UTF-8/.test(reason)) [code, message] = ['WS_ERR_INVALID_UTF8', 'Invalid WebSocket frame: invalid UTF-8 sequence'];
  else [code, message] = ['QWS_ERR_INFLATE', reason];
  return Object.assign(new RangeError(message), { code, closeCode });
}
