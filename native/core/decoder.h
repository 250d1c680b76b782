// The frame decoder (RFC 6455 §5), the twin of src/codec/decoder.fallback.ts: same state layout,
// same records, same errors. Allocates nothing, throws nothing, trusts no length from the wire.
#ifndef QWS_DECODER_H
#define QWS_DECODER_H

#include <cstddef>
#include <cstdint>

namespace qws {

// Decodes frames from chunk[offset..len): unmasks payloads in place and writes up to
// `capacity` records (RECORD_STRIDE uint32 each) into `records`. `state` is the STATE_BYTES decoder
// state (STATE_* layout). Returns the number of records; state[STATE_RESUME] is where it stopped.
uint32_t decode(uint8_t* state, uint8_t* chunk, size_t len, size_t offset, uint32_t* records, size_t capacity);

}  // namespace qws

#endif
