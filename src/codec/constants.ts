/**
 * Protocol constants shared by every layer: opcodes, close codes, limits, timeouts and the
 * native decoder's record/state layout. Mirrored by `native/core/constants.h`; the test
 * `test/unit/codec/constants.test.ts` parses that header and asserts both agree.
 *
 * Nothing else in the project writes these numbers bare (house rule 2).
 * @module
 */

/** Frame opcodes, RFC 6455 §5.2. */
export enum Opcode {
  Continuation = 0x0,
  Text = 0x1,
  Binary = 0x2,
  Close = 0x8,
  Ping = 0x9,
  Pong = 0xa,
}

/** Qt's `QWebSocketProtocol::CloseCode`, RFC 6455 §7.4.1. */
export enum CloseCode {
  CloseCodeNormal = 1000,
  CloseCodeGoingAway = 1001,
  CloseCodeProtocolError = 1002,
  CloseCodeDatatypeNotSupported = 1003,
  CloseCodeReserved1004 = 1004,
  CloseCodeMissingStatusCode = 1005,
  CloseCodeAbnormalDisconnection = 1006,
  CloseCodeWrongDatatype = 1007,
  CloseCodePolicyViolated = 1008,
  CloseCodeTooMuchData = 1009,
  CloseCodeMissingExtension = 1010,
  CloseCodeBadOperation = 1011,
  CloseCodeTlsHandshakeFailed = 1015,
}

/** Qt's `QWebSocketProtocol::Version`. Only 13 (RFC 6455) is supported. */
export enum Version {
  VersionUnknown = -1,
  Version0 = 0,
  Version4 = 4,
  Version5 = 5,
  Version6 = 6,
  Version7 = 7,
  Version8 = 8,
  Version13 = 13,
  VersionLatest = 13,
}

/** Numeric limits (bytes unless stated). Qt's values where Qt has one. */
export const Limits = {
  /** Largest control-frame payload, RFC 6455 §5.5. */
  MAX_CONTROL_PAYLOAD: 125,
  /** Largest close reason: 125 minus the 2-byte code, RFC 6455 §5.5.1. */
  MAX_CLOSE_REASON: 123,
  /** Qt: std::numeric_limits<int>::max() - 1. Also keeps every length inside a uint32 record field. */
  MAX_INCOMING_FRAME_SIZE: 2147483646,
  MAX_INCOMING_MESSAGE_SIZE: 2147483646,
  MAX_OUTGOING_FRAME_SIZE: 2147483646,
  /**
   * Our default incoming frame and message limits (64 MiB; Qt's default is the maximum above).
   * A deliberate deviation from Qt: one peer must not make a default server buffer 2 GiB.
   * Over it the connection fails with 1009 at the frame header, before the excess is buffered.
   */
  DEFAULT_MAX_INCOMING_FRAME_SIZE: 67108864,
  DEFAULT_MAX_INCOMING_MESSAGE_SIZE: 67108864,
  /**
   * Our default cap on one connection's unsent bytes (16 MiB; Qt has none): over it, a send
   * fails the connection with 1008. One message larger than the cap still goes out alone.
   */
  DEFAULT_MAX_BUFFERED_BYTES: 16777216,
  /** Default high- and low-water marks of the `drained` signal (an addition to Qt). */
  DEFAULT_WRITE_HIGH_WATER_MARK: 1048576,
  DEFAULT_WRITE_LOW_WATER_MARK: 262144,
  /** Smallest capacity of a message reassembly buffer (it then doubles as needed). */
  MIN_ASSEMBLY_BUFFER: 1024,
  /** Qt's default outgoing frame size: 512 KiB. */
  DEFAULT_OUTGOING_FRAME_SIZE: 524288,
  /** Largest frame header: 2 + 8 (64-bit length) + 4 (mask), RFC 6455 §5.2. */
  MAX_HEADER_SIZE: 14,
  /** Upgrade request / response header block limit. */
  MAX_HANDSHAKE_SIZE: 8192,
  /** Records in the shared decoder output array; decode() resumes when it fills. */
  RECORD_CAPACITY: 1024,
  /**
   * Payload bytes a server connection keeps for its user before the hand-off (it waits in the
   * pending queue); above it the connection stops reading (TCP backpressure) until taken.
   */
  MAX_HELD_BYTES: 1048576,
} as const;

/** Timeouts in milliseconds. */
export const Timeouts = {
  /** Qt's default handshake timeout (QWebSocketServer::handshakeTimeoutMS). */
  HANDSHAKE_MS: 10000,
  /** How long to wait for the peer's close frame / TCP FIN after we sent a close. */
  CLOSE_MS: 5000,
  /** How long a refused handshake's answer may take to be read before the socket or stream is destroyed. */
  REFUSED_LINGER_MS: 1000,
  /**
   * How long a client's HTTP/2 session (RFC 8441) stays open with no WebSocket on it, and how long
   * an origin without extended CONNECT is remembered (opens meanwhile go straight to HTTP/1.1).
   */
  HTTP2_SESSION_IDLE_MS: 5000,
} as const;

/** Close codes a peer may legally send, RFC 6455 §7.4.1 / §7.4.2 (1012–1014 are IANA-registered). */
export function isValidReceivedCloseCode(code: number): boolean {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}

/**
 * Decoder record layout. decode() writes `Record.STRIDE` uint32 fields per record into a shared
 * Uint32Array. One record per frame piece (the part of a frame's payload present in one chunk),
 * or one error record, after which the decoder is poisoned.
 */
export const Record = {
  /** Layout version (of these records and of the decoder state): the loader refuses a native addon that reports another one. */
  LAYOUT_VERSION: 2,
  STRIDE: 8,
  // field indexes
  KIND: 0,
  OPCODE: 1, // frame opcode (0 for continuation); for errors: the DecodeError id
  FLAGS: 2,
  START: 3, // payload start offset in the chunk (or in the state's control buffer if BUFFERED)
  LENGTH: 4, // payload bytes of this piece
  REMAINING: 5, // payload bytes of this frame still to come in later chunks
  AUX: 6, // close frames: received close code (1005 if none); errors: close code to send
  OFFSET: 7, // errors: chunk offset where the error was found; frames: 0
  // KIND values
  KIND_FRAME: 1,
  KIND_ERROR: 2,
  // FLAGS bits
  FLAG_FIN: 1,
  FLAG_RSV1: 2,
  FLAG_FIRST: 4, // first piece of the frame
  FLAG_LAST: 8, // last piece of the frame (REMAINING == 0)
  FLAG_BUFFERED: 16, // control payload was split across chunks and is in the state's control buffer
} as const;

/** Decoder error ids and the close code each one sends (one table, mirrored in C++). */
export const DecodeError = {
  RSV_BITS: 1,
  BAD_OPCODE: 2,
  CONTROL_FRAGMENTED: 3,
  CONTROL_TOO_LONG: 4,
  MASK_EXPECTED: 5,
  MASK_UNEXPECTED: 6,
  UNEXPECTED_CONTINUATION: 7,
  EXPECTED_CONTINUATION: 8,
  LENGTH_HIGH_BIT: 9,
  FRAME_TOO_LARGE: 10,
  MESSAGE_TOO_LARGE: 11,
  CLOSE_LENGTH_ONE: 12,
  CLOSE_INVALID_CODE: 13,
  CLOSE_INVALID_UTF8: 14,
  INVALID_UTF8: 15,
} as const;

/** Close code for each {@link DecodeError} id (index = id). */
export const DECODE_ERROR_CLOSE_CODE: readonly number[] = [
  0, 1002, 1002, 1002, 1002, 1002, 1002, 1002, 1002, 1002, 1009, 1009, 1002, 1002, 1007, 1007,
];

/** Short, peer-safe reasons sent in the close frame for each {@link DecodeError} id. */
export const DECODE_ERROR_REASON: readonly string[] = [
  '',
  'Reserved bits set',
  'Invalid opcode',
  'Fragmented control frame',
  'Control frame too long',
  'Frame must be masked',
  'Frame must not be masked',
  'Continuation without a message',
  'Expected a continuation frame',
  'Invalid payload length',
  'Frame too large',
  'Message too large',
  'Invalid close payload',
  'Invalid close code',
  'Invalid UTF-8 in close reason',
  'Invalid UTF-8 in text message',
];

/**
 * Decoder state layout: every decoder keeps its whole state in a 216-byte Uint8Array owned by JS,
 * viewed as uint32 fields (little-endian), so the native and the TS decoder share one format and
 * can be swapped or compared mid-stream. Field indexes are uint32 indexes.
 */
export const State = {
  BYTES: 216,
  CONFIG: 0, // CONFIG_* bits
  MAX_FRAME: 1,
  MAX_MESSAGE: 2,
  PHASE: 3, // PHASE_*
  HDR_LEN: 4, // header bytes held in the spill area
  OPCODE: 5, // current frame's opcode
  FRAME_FLAGS: 6, // FLAG_FIN | FLAG_RSV1 of the current frame, plus FRAME_STARTED
  REMAINING: 7, // payload bytes of the current frame not yet consumed
  MASK_KEY: 8, // 4 mask bytes as a little-endian uint32 (byte i of the key = (key >>> 8*i) & 0xff)
  MASK_PHASE: 9, // index into the key of the next payload byte
  MSG_OPCODE: 10, // 0: no data message in progress; 1 text; 2 binary
  MSG_COMPRESSED: 11, // 1 when the message's first frame had RSV1 (UTF-8 checked after inflating)
  MSG_SIZE: 12, // payload bytes of the current message so far (frame lengths, counted at headers)
  UTF8: 13, // incremental UTF-8 state of the current text message (see UTF8 below)
  CTRL_LEN: 14, // control payload bytes buffered so far
  RESUME: 15, // output: chunk offset where decode() stopped
  FRAME_LEN: 16, // payload length of the current frame
  // byte offsets of the two buffers inside the state
  SPILL_BYTE: 68, // 16 bytes: header split across chunks (at most 14)
  CTRL_BYTE: 84, // 128 bytes: control payload split across chunks (at most 125); then 4 bytes of padding
  // CONFIG bits
  CONFIG_SERVER: 1, // we are the server: frames must be masked
  CONFIG_ALLOW_RSV1: 2, // permessage-deflate negotiated
  // PHASE values
  PHASE_HEADER: 0,
  PHASE_PAYLOAD: 1,
  PHASE_CLOSED: 2, // a close frame was received: later bytes are ignored (RFC 6455 §5.5.1)
  PHASE_POISONED: 3, // an error was reported
  // FRAME_FLAGS extra bit
  FRAME_STARTED: 0x100, // a piece of the current frame has been emitted
  FRAME_MASKED: 0x200, // the current frame carries a mask key
} as const;

/**
 * Incremental UTF-8 state word: 0 = at a code-point boundary. Otherwise
 * bits 0..1 = continuation bytes still needed, bits 8..15 = lowest allowed next byte,
 * bits 16..23 = highest allowed next byte (RFC 3629 §4 table).
 */
export const Utf8State = {
  ACCEPT: 0,
  /** Returned by the incremental validator when the input is not UTF-8. */
  INVALID: 0xffffffff,
} as const;

/**
 * Events of the native transport (native/io → src/transport/native): each is one JS call
 * `(kind, id, a, b)`. BATCH: `a` records decoded from the shared read buffer (`b` bytes); EOF: the peer
 * ended; DRAIN: the native write queue emptied after `a` bytes went out asynchronously; ERROR:
 * `a` is the negated libuv error code; CLOSED: the socket is gone (`a` = 1 after an error).
 */
export const IoEvent = {
  /**
   * The version of the transport's JS interface (functions, arguments, events): an addon that
   * reports another one is a stale build, refused by the loader (net.Socket serves instead).
   */
  API_VERSION: 6,
  BATCH: 1,
  EOF: 2,
  DRAIN: 3,
  ERROR: 4,
  CLOSED: 5,
  /** The read buffer has less than MIN_READ bytes left: JS hands C++ a fresh one (ioReadBuffer). */
  SLAB: 6,
  /**
   * Bytes of an accepted connection still in its HTTP handshake, raw: `a` = offset in the read
   * buffer, `b` = length; the shared keep[1] holds the listener's id.
   */
  RAW: 7,
  /** Accepting failed on listener `id`: `a` is the negated libuv error code. */
  LISTEN_ERROR: 8,
  /** A publish's collected frames were written to connection `id`, and `a` bytes are left queued on it. */
  QUEUED: 9,
  /**
   * The share table (topics walked natively): SHARE_WORDS words per connection id. JS sets
   * [SHARE_CAP]: 0 while a publish must reach the connection through JS, else the most unsent
   * bytes it may have for a publish still to be queued (SHARE_NO_CAP: no cap); C++ sets
   * [SHARE_COLLECTED]: bytes of publishes collected for it and not yet written; JS sets
   * [SHARE_TAG] to the server whose broadcast() reaches it (0: none). C++ zeroes all of them
   * when the connection closes.
   */
  SHARE_WORDS: 3,
  SHARE_CAP: 0,
  SHARE_COLLECTED: 1,
  SHARE_TAG: 2,
  SHARE_NO_CAP: 0xffffffff,
  /** Length of the shared keep array (keep[0]: views held; keep[1]: a RAW event's listener; keep[KEEP_RESERVE]). */
  KEEP_WORDS: 3,
  /**
   * The keep word JS sets after a batch to the bytes still to come of a frame whose start it holds
   * in place at the end of the read: C++ keeps that room after it for the connection's next reads.
   */
  KEEP_RESERVE: 2,
  /** ioWriteText takes strings of fewer UTF-8 bytes than this (responses: a few hundred bytes). */
  MAX_TEXT_WRITE: 16384,
  /** The size of each shared read buffer. */
  READ_BUFFER_SIZE: 524288,
  /** The least room a read is given. */
  MIN_READ: 65536,
} as const;
