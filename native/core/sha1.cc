// See sha1.h. SHA-1 as FIPS 180-4 defines it (padding 5.1.1, message schedule and hash
// computation 6.1.2, initial hash value 5.3.1) on the SHA extensions: SHA1MSG1/SHA1MSG2 extend
// the message schedule four words at a time, the 80 rounds run four at a time by SHA1RNDS4 (its
// immediate picks the round function and constant of each 20), and SHA1NEXTE derives the next
// four rounds' E (E after four rounds is A before them rotated by 30) and adds it to their first
// schedule word.
#include "sha1.h"

#include <cstring>

#include "cpu.h"

namespace qws {
namespace {

#ifdef QWS_X86
const char BASE64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const char GUID[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

// One 64-byte block into the running hash h.
QWS_TARGET("sha,sse4.1") void compress(uint32_t h[5], const uint8_t* block) {
  // m[i]: schedule words 4i..4i+3, word 4i in the high lane (where SHA1RNDS4 takes it); the
  // block's bytes are big-endian words, so reversing all 16 bytes of a load gives that order
  const __m128i reverse = _mm_set_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  __m128i m[20];
  for (int i = 0; i < 4; i++) m[i] = _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(block + 16 * i)), reverse);
  // W[t] = ROTL1(W[t-3] ^ W[t-8] ^ W[t-14] ^ W[t-16]): SHA1MSG1 xors in W[t-14], SHA1MSG2 W[t-3] and rotates
  for (int i = 4; i < 20; i++) m[i] = _mm_sha1msg2_epu32(_mm_xor_si128(_mm_sha1msg1_epu32(m[i - 4], m[i - 3]), m[i - 2]), m[i - 1]);
  const __m128i start = _mm_set_epi32(static_cast<int>(h[0]), static_cast<int>(h[1]), static_cast<int>(h[2]), static_cast<int>(h[3]));
  const __m128i e_start = _mm_set_epi32(static_cast<int>(h[4]), 0, 0, 0);
  __m128i abcd = start;
  __m128i ew = _mm_add_epi32(e_start, m[0]);
  __m128i before = abcd;
  for (int g = 0; g < 20; g++) {
    before = abcd;
    switch (g / 5) {
      case 0:
        abcd = _mm_sha1rnds4_epu32(abcd, ew, 0);
        break;
      case 1:
        abcd = _mm_sha1rnds4_epu32(abcd, ew, 1);
        break;
      case 2:
        abcd = _mm_sha1rnds4_epu32(abcd, ew, 2);
        break;
      default:
        abcd = _mm_sha1rnds4_epu32(abcd, ew, 3);
        break;
    }
    if (g < 19) ew = _mm_sha1nexte_epu32(before, m[g + 1]);
  }
  abcd = _mm_add_epi32(abcd, start);
  const __m128i e = _mm_sha1nexte_epu32(before, e_start);
  h[0] = static_cast<uint32_t>(_mm_extract_epi32(abcd, 3));
  h[1] = static_cast<uint32_t>(_mm_extract_epi32(abcd, 2));
  h[2] = static_cast<uint32_t>(_mm_extract_epi32(abcd, 1));
  h[3] = static_cast<uint32_t>(_mm_extract_epi32(abcd, 0));
  h[4] = static_cast<uint32_t>(_mm_extract_epi32(e, 3));
}
#endif

}  // namespace

bool ws_accept_available() {
#ifdef QWS_X86
  return cpu::sha();
#else
  return false;
#endif
}

void ws_accept(const uint8_t* key, size_t len, char out[WS_ACCEPT_CHARS]) {
#ifdef QWS_X86
  uint32_t h[5] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0};
  const size_t total = len + sizeof GUID - 1;
  // the message (key, GUID), a 1 bit, zeros and the length in bits (64-bit big-endian) ending a block
  uint8_t block[64];
  size_t used = 0;
  const uint8_t* parts[2] = {key, reinterpret_cast<const uint8_t*>(GUID)};
  const size_t lens[2] = {len, sizeof GUID - 1};
  for (int i = 0; i < 2; i++) {
    const uint8_t* p = parts[i];
    size_t n = lens[i];
    while (n > 0) {
      const size_t take = n < 64 - used ? n : 64 - used;
      std::memcpy(block + used, p, take);
      used += take;
      p += take;
      n -= take;
      if (used == 64) {
        compress(h, block);
        used = 0;
      }
    }
  }
  block[used++] = 0x80;
  if (used > 56) {
    std::memset(block + used, 0, 64 - used);
    compress(h, block);
    used = 0;
  }
  std::memset(block + used, 0, 56 - used);
  const uint64_t bits = static_cast<uint64_t>(total) * 8;
  for (int i = 0; i < 8; i++) block[56 + i] = static_cast<uint8_t>(bits >> (56 - 8 * i));
  compress(h, block);
  uint8_t d[20];
  for (int i = 0; i < 5; i++) {
    d[4 * i] = static_cast<uint8_t>(h[i] >> 24);
    d[4 * i + 1] = static_cast<uint8_t>(h[i] >> 16);
    d[4 * i + 2] = static_cast<uint8_t>(h[i] >> 8);
    d[4 * i + 3] = static_cast<uint8_t>(h[i]);
  }
  // 20 bytes: six groups of three, then two bytes as three characters and one '=' (RFC 4648 §4)
  char* o = out;
  for (size_t i = 0; i < 18; i += 3) {
    const uint32_t v = static_cast<uint32_t>(d[i]) << 16 | static_cast<uint32_t>(d[i + 1]) << 8 | d[i + 2];
    *o++ = BASE64[v >> 18];
    *o++ = BASE64[(v >> 12) & 63];
    *o++ = BASE64[(v >> 6) & 63];
    *o++ = BASE64[v & 63];
  }
  const uint32_t v = static_cast<uint32_t>(d[18]) << 16 | static_cast<uint32_t>(d[19]) << 8;
  *o++ = BASE64[v >> 18];
  *o++ = BASE64[(v >> 12) & 63];
  *o++ = BASE64[(v >> 6) & 63];
  *o = '=';
#else
  (void)key;
  (void)len;
  (void)out;
#endif
}

}  // namespace qws
