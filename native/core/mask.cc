// Masking 64/32/16/8 bytes at a time (AVX-512F, AVX2, SSE2 or NEON, words): the key is rotated
// to the phase once, widened to a vector, and XORed over the buffer; the tail is done bytewise.
#include "mask.h"

#include <cstring>

#include "cpu.h"

namespace qws {

namespace {

inline uint32_t rotate_key(uint32_t key, uint32_t phase) {
  phase &= 3;
  // byte i of the result = byte (phase + i) & 3 of the key
  return phase == 0 ? key : (key >> (8 * phase)) | (key << (32 - 8 * phase));
}

#ifdef QWS_X86
QWS_TARGET("avx2") size_t xor_avx2(const uint8_t* src, uint8_t* dst, size_t len, uint32_t k) {
  const __m256i kv = _mm256_set1_epi32(static_cast<int>(k));
  size_t i = 0;
  for (; i + 32 <= len; i += 32) {
    __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + i));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + i), _mm256_xor_si256(v, kv));
  }
  return i;
}

QWS_TARGET("avx512f") size_t xor_avx512(const uint8_t* src, uint8_t* dst, size_t len, uint32_t k) {
  const __m512i kv = _mm512_set1_epi32(static_cast<int>(k));
  size_t i = 0;
  for (; i + 128 <= len; i += 128) {
    const __m512i a = _mm512_loadu_si512(reinterpret_cast<const void*>(src + i));
    const __m512i b = _mm512_loadu_si512(reinterpret_cast<const void*>(src + i + 64));
    _mm512_storeu_si512(reinterpret_cast<void*>(dst + i), _mm512_xor_si512(a, kv));
    _mm512_storeu_si512(reinterpret_cast<void*>(dst + i + 64), _mm512_xor_si512(b, kv));
  }
  for (; i + 64 <= len; i += 64) {
    const __m512i a = _mm512_loadu_si512(reinterpret_cast<const void*>(src + i));
    _mm512_storeu_si512(reinterpret_cast<void*>(dst + i), _mm512_xor_si512(a, kv));
  }
  return i;
}

size_t xor_sse2(const uint8_t* src, uint8_t* dst, size_t len, uint32_t k) {
  const __m128i kv = _mm_set1_epi32(static_cast<int>(k));
  size_t i = 0;
  for (; i + 16 <= len; i += 16) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + i), _mm_xor_si128(v, kv));
  }
  return i;
}
#endif

#ifdef QWS_NEON
// 64 bytes per step while they last, then 16
size_t xor_neon(const uint8_t* src, uint8_t* dst, size_t len, uint32_t k) {
  const uint8x16_t kv = vreinterpretq_u8_u32(vdupq_n_u32(k));
  size_t i = 0;
  for (; i + 64 <= len; i += 64) {
    const uint8x16x4_t v = vld1q_u8_x4(src + i);
    uint8x16x4_t out;
    out.val[0] = veorq_u8(v.val[0], kv);
    out.val[1] = veorq_u8(v.val[1], kv);
    out.val[2] = veorq_u8(v.val[2], kv);
    out.val[3] = veorq_u8(v.val[3], kv);
    vst1q_u8_x4(dst + i, out);
  }
  for (; i + 16 <= len; i += 16) vst1q_u8(dst + i, veorq_u8(vld1q_u8(src + i), kv));
  return i;
}
#endif

// XOR with a key already rotated to phase 0 at src[0]; the vector loops keep 4-byte alignment
// of the key pattern because they advance in multiples of 4.
void xor_key(const uint8_t* src, uint8_t* dst, size_t len, uint32_t k) {
  size_t i = 0;
#ifdef QWS_X86
  if (len >= 256 && cpu::avx512f()) i = xor_avx512(src, dst, len, k);
  else if (len >= 64 && cpu::avx2()) i = xor_avx2(src, dst, len, k);
  else if (len >= 16) i = xor_sse2(src, dst, len, k);
#elif defined(QWS_NEON)
  if (len >= 16) i = xor_neon(src, dst, len, k);
#endif
  const uint64_t k8 = (static_cast<uint64_t>(k) << 32) | k;
  for (; i + 8 <= len; i += 8) {
    uint64_t w;
    std::memcpy(&w, src + i, 8);
    w ^= k8;
    std::memcpy(dst + i, &w, 8);
  }
  for (; i < len; ++i) dst[i] = src[i] ^ static_cast<uint8_t>(k >> (8 * (i & 3)));
}

}  // namespace

void unmask_inplace(uint8_t* buf, size_t len, uint32_t key, uint32_t phase) {
  xor_key(buf, buf, len, rotate_key(key, phase));
}

void mask_copy(const uint8_t* src, uint8_t* dst, size_t len, uint32_t key) {
  xor_key(src, dst, len, key);
}

}  // namespace qws
