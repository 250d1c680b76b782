// Protocol constants shared with TypeScript: mirrors src/codec/constants.ts.
// test/unit/codec/constants.test.ts parses this file and checks every value against the TS one.
#ifndef QWS_CONSTANTS_H
#define QWS_CONSTANTS_H

#include <cstdint>

namespace qws {

// Opcodes, RFC 6455 §5.2
constexpr uint32_t OPCODE_CONTINUATION = 0x0;
constexpr uint32_t OPCODE_TEXT = 0x1;
constexpr uint32_t OPCODE_BINARY = 0x2;
constexpr uint32_t OPCODE_CLOSE = 0x8;
constexpr uint32_t OPCODE_PING = 0x9;
constexpr uint32_t OPCODE_PONG = 0xa;

// Limits
constexpr uint32_t LIMIT_MAX_CONTROL_PAYLOAD = 125;
constexpr uint32_t LIMIT_MAX_CLOSE_REASON = 123;
constexpr uint32_t LIMIT_MAX_INCOMING_FRAME_SIZE = 2147483646;
constexpr uint32_t LIMIT_MAX_INCOMING_MESSAGE_SIZE = 2147483646;
// our defaults (64 MiB each): TS writes them into the decoder state, which is all the decoder reads
constexpr uint32_t LIMIT_DEFAULT_MAX_INCOMING_FRAME_SIZE = 67108864;
constexpr uint32_t LIMIT_DEFAULT_MAX_INCOMING_MESSAGE_SIZE = 67108864;
constexpr uint32_t LIMIT_MAX_HEADER_SIZE = 14;
constexpr uint32_t LIMIT_RECORD_CAPACITY = 1024;

// Record layout
constexpr uint32_t RECORD_LAYOUT_VERSION = 2;
constexpr uint32_t RECORD_STRIDE = 8;
constexpr uint32_t RECORD_KIND = 0;
constexpr uint32_t RECORD_OPCODE = 1;
constexpr uint32_t RECORD_FLAGS = 2;
constexpr uint32_t RECORD_START = 3;
constexpr uint32_t RECORD_LENGTH = 4;
constexpr uint32_t RECORD_REMAINING = 5;
constexpr uint32_t RECORD_AUX = 6;
constexpr uint32_t RECORD_OFFSET = 7;
constexpr uint32_t RECORD_KIND_FRAME = 1;
constexpr uint32_t RECORD_KIND_ERROR = 2;
constexpr uint32_t RECORD_FLAG_FIN = 1;
constexpr uint32_t RECORD_FLAG_RSV1 = 2;
constexpr uint32_t RECORD_FLAG_FIRST = 4;
constexpr uint32_t RECORD_FLAG_LAST = 8;
constexpr uint32_t RECORD_FLAG_BUFFERED = 16;

// Decoder errors (ids) and the close code each one sends
constexpr uint32_t ERROR_RSV_BITS = 1;
constexpr uint32_t ERROR_BAD_OPCODE = 2;
constexpr uint32_t ERROR_CONTROL_FRAGMENTED = 3;
constexpr uint32_t ERROR_CONTROL_TOO_LONG = 4;
constexpr uint32_t ERROR_MASK_EXPECTED = 5;
constexpr uint32_t ERROR_MASK_UNEXPECTED = 6;
constexpr uint32_t ERROR_UNEXPECTED_CONTINUATION = 7;
constexpr uint32_t ERROR_EXPECTED_CONTINUATION = 8;
constexpr uint32_t ERROR_LENGTH_HIGH_BIT = 9;
constexpr uint32_t ERROR_FRAME_TOO_LARGE = 10;
constexpr uint32_t ERROR_MESSAGE_TOO_LARGE = 11;
constexpr uint32_t ERROR_CLOSE_LENGTH_ONE = 12;
constexpr uint32_t ERROR_CLOSE_INVALID_CODE = 13;
constexpr uint32_t ERROR_CLOSE_INVALID_UTF8 = 14;
constexpr uint32_t ERROR_INVALID_UTF8 = 15;
constexpr uint32_t ERROR_CLOSE_CODE[16] = {0, 1002, 1002, 1002, 1002, 1002, 1002, 1002, 1002, 1002, 1009, 1009, 1002, 1002, 1007, 1007};

// Decoder state layout (uint32 field indexes into a 216-byte state: 17 fields, then the spill and
// control buffers, rounded up to 8 bytes)
constexpr uint32_t STATE_BYTES = 216;
constexpr uint32_t STATE_CONFIG = 0;
constexpr uint32_t STATE_MAX_FRAME = 1;
constexpr uint32_t STATE_MAX_MESSAGE = 2;
constexpr uint32_t STATE_PHASE = 3;
constexpr uint32_t STATE_HDR_LEN = 4;
constexpr uint32_t STATE_OPCODE = 5;
constexpr uint32_t STATE_FRAME_FLAGS = 6;
constexpr uint32_t STATE_REMAINING = 7;
constexpr uint32_t STATE_MASK_KEY = 8;
constexpr uint32_t STATE_MASK_PHASE = 9;
constexpr uint32_t STATE_MSG_OPCODE = 10;
constexpr uint32_t STATE_MSG_COMPRESSED = 11;
constexpr uint32_t STATE_MSG_SIZE = 12;
constexpr uint32_t STATE_UTF8 = 13;
constexpr uint32_t STATE_CTRL_LEN = 14;
constexpr uint32_t STATE_RESUME = 15;
constexpr uint32_t STATE_FRAME_LEN = 16;
constexpr uint32_t STATE_SPILL_BYTE = 68;
constexpr uint32_t STATE_CTRL_BYTE = 84;
constexpr uint32_t STATE_CONFIG_SERVER = 1;
constexpr uint32_t STATE_CONFIG_ALLOW_RSV1 = 2;
constexpr uint32_t STATE_PHASE_HEADER = 0;
constexpr uint32_t STATE_PHASE_PAYLOAD = 1;
constexpr uint32_t STATE_PHASE_CLOSED = 2;
constexpr uint32_t STATE_PHASE_POISONED = 3;
constexpr uint32_t STATE_FRAME_STARTED = 0x100;
constexpr uint32_t STATE_FRAME_MASKED = 0x200;

// Incremental UTF-8 state
constexpr uint32_t UTF8_ACCEPT = 0;
constexpr uint32_t UTF8_INVALID = 0xffffffff;

// Native transport: the version of its JS interface (functions, arguments, events); the loader
// refuses an addon that reports another one (a stale build)
constexpr uint32_t IO_API_VERSION = 6;
// Native transport events (native/io → src/transport/native), one JS call each
constexpr uint32_t IO_EVENT_BATCH = 1;
constexpr uint32_t IO_EVENT_EOF = 2;
constexpr uint32_t IO_EVENT_DRAIN = 3;
constexpr uint32_t IO_EVENT_ERROR = 4;
constexpr uint32_t IO_EVENT_CLOSED = 5;
constexpr uint32_t IO_EVENT_SLAB = 6;
constexpr uint32_t IO_EVENT_RAW = 7;
constexpr uint32_t IO_EVENT_LISTEN_ERROR = 8;
// a publish's collected frames were written and `a` bytes are left queued on the connection
constexpr uint32_t IO_EVENT_QUEUED = 9;
// The share table JS keeps (topics walked natively): IO_SHARE_WORDS words per connection id.
// [IO_SHARE_CAP], set by JS: 0 while a publish must reach the connection through JS, else the
// most unsent bytes it may have for a publish to still be queued (IO_SHARE_NO_CAP: no cap);
// [IO_SHARE_COLLECTED], set by C++: bytes of publishes collected for it and not yet written;
// [IO_SHARE_TAG], set by JS: the server whose broadcast() reaches it (0: none). C++ zeroes all
// of them when the connection closes.
constexpr uint32_t IO_SHARE_WORDS = 3;
constexpr uint32_t IO_SHARE_CAP = 0;
constexpr uint32_t IO_SHARE_COLLECTED = 1;
constexpr uint32_t IO_SHARE_TAG = 2;
constexpr uint32_t IO_SHARE_NO_CAP = 0xffffffff;
// the most frames a connection is given in one writev (more: the collection is written first)
constexpr uint32_t IO_MAX_IOV = 64;
constexpr uint32_t IO_KEEP_WORDS = 3;
// keep[IO_KEEP_RESERVE], set by JS after a batch: bytes still to come of a frame it holds in
// place at the end of the read; the connection's next reads get that room right after it
constexpr uint32_t IO_KEEP_RESERVE = 2;
// reservations at a time (more wait for the next read buffer: the message is then copied out)
constexpr uint32_t IO_MAX_RESERVATIONS = 32;
constexpr uint32_t IO_MAX_TEXT_WRITE = 16384;
constexpr uint32_t IO_READ_BUFFER_SIZE = 524288;
constexpr uint32_t IO_MIN_READ = 65536;

}  // namespace qws

#endif
