// Wine 8 (Debian 12) lacks bcryptprimitives.dll, whose ProcessPrng every Rust program built
// since Rust 1.78 imports, rollup's Windows binary among them: this stand-in, built with MinGW
// into the test prefix only, forwards it to RtlGenRandom. Test tooling, never shipped.
#include <windows.h>
#include <ntsecapi.h>

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
  while (len > 0) {
    const ULONG n = len > 0x40000000 ? 0x40000000 : (ULONG)len;
    if (!RtlGenRandom(data, n)) return FALSE;
    data += n;
    len -= n;
  }
  return TRUE;
}
