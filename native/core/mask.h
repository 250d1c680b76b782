// Masking (RFC 6455 §5.3), the twin of src/codec/mask.fallback.ts. A key is a uint32 whose
// little-endian bytes are the four key octets; `phase` is the key index of the first byte.
#ifndef QWS_MASK_H
#define QWS_MASK_H

#include <cstddef>
#include <cstdint>

namespace qws {

// buf[0..len) ^= key, in place, starting at key index `phase`.
void unmask_inplace(uint8_t* buf, size_t len, uint32_t key, uint32_t phase);

// dst[0..len) = src[0..len) ^ key (phase 0); src and dst must not overlap partially.
void mask_copy(const uint8_t* src, uint8_t* dst, size_t len, uint32_t key);

}  // namespace qws

#endif
