// Which vector instructions this CPU has, and how a function asks the compiler for them, in one
// place for GCC, Clang (also clang-cl) and MSVC. GCC and Clang compile a function for an ISA
// beyond the baseline only when it carries a target attribute; MSVC has no such attribute and
// compiles any intrinsic anywhere, so there QWS_TARGET is empty. Feature checks use the
// compiler's builtin where it has one, else CPUID and XGETBV (the OS must save the registers).
#pragma once

#include <cstdint>

#if defined(__x86_64__) || defined(_M_X64)
#define QWS_X86 1
#include <immintrin.h>
#if defined(_MSC_VER)
#include <intrin.h>
#else
#include <cpuid.h>
#endif
#elif defined(__aarch64__) || defined(_M_ARM64)
// Advanced SIMD is part of the AArch64 baseline: no runtime check needed
#define QWS_NEON 1
#include <arm_neon.h>
#endif

#if defined(__GNUC__) || defined(__clang__)
#define QWS_TARGET(isa) __attribute__((target(isa)))
#else
#define QWS_TARGET(isa)
#endif

namespace qws {
namespace cpu {

#ifdef QWS_X86
#if defined(_MSC_VER)
// CPUID leaf 7 EBX: bit 5 AVX2, 16 AVX-512F, 30 AVX-512BW; leaf 1 ECX: bit 27 OSXSAVE. XCR0 bits
// 1-2 mean the OS saves XMM/YMM state, bits 5-7 the AVX-512 opmask and ZMM state.
QWS_TARGET("xsave") inline uint64_t xcr0() { return _xgetbv(0); }

inline bool leaf7_bit(int xcr0_mask, int bit) {
  int r[4];
  __cpuid(r, 1);
  if ((r[2] & (1 << 27)) == 0) return false;
  if ((xcr0() & xcr0_mask) != static_cast<uint64_t>(xcr0_mask)) return false;
  __cpuidex(r, 7, 0);
  return (r[1] & (1 << bit)) != 0;
}
inline bool detect_avx2() { return leaf7_bit(0x06, 5); }
inline bool detect_avx512bw() { return leaf7_bit(0xe6, 16) && leaf7_bit(0xe6, 30); }
inline bool detect_avx512f() { return leaf7_bit(0xe6, 16); }
// CPUID leaf 7 EBX bit 29: the SHA extensions; leaf 1 ECX bit 19: SSE4.1 (their companions)
inline bool detect_sha() {
  int r[4];
  __cpuid(r, 0);
  if (r[0] < 7) return false;
  __cpuid(r, 1);
  if ((r[2] & (1 << 19)) == 0) return false;
  __cpuidex(r, 7, 0);
  return (r[1] & (1 << 29)) != 0;
}
#else
inline bool detect_avx2() { return __builtin_cpu_supports("avx2"); }
inline bool detect_avx512bw() { return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw"); }
inline bool detect_avx512f() { return __builtin_cpu_supports("avx512f"); }
inline bool detect_sha() {
  unsigned a, b, c, d;
  return __builtin_cpu_supports("sse4.1") && __get_cpuid_count(7, 0, &a, &b, &c, &d) != 0 && (b & (1u << 29)) != 0;
}
#endif

// asked once per process (function-local statics are initialised once, thread-safely)
inline bool avx2() {
  static const bool yes = detect_avx2();
  return yes;
}
inline bool avx512f() {
  static const bool yes = detect_avx512f();
  return yes;
}
inline bool avx512bw() {
  static const bool yes = detect_avx512bw() && avx2();
  return yes;
}
inline bool sha() {
  static const bool yes = detect_sha();
  return yes;
}
#endif

}  // namespace cpu
}  // namespace qws
