// Sec-WebSocket-Accept (RFC 6455 §4.2.2) with the CPU's SHA instructions: one per accepted
// connection, where Node's crypto.hash costs 1-3 us (an OpenSSL digest fetched and set up per
// call). Only where those instructions exist: a plain C++ SHA-1 is slower than OpenSSL's, so
// without them the caller keeps using node:crypto.
#ifndef QWS_SHA1_H
#define QWS_SHA1_H

#include <cstddef>
#include <cstdint>

namespace qws {

// Base64 of a SHA-1 digest: 27 characters and one '='.
constexpr size_t WS_ACCEPT_CHARS = 28;

// True when ws_accept can run here (x86-64 with the SHA extensions and SSE4.1).
bool ws_accept_available();

// Base64 of the SHA-1 of key[0..len) followed by RFC 6455's GUID (section 1.3), written to
// out[0..WS_ACCEPT_CHARS). Only when ws_accept_available().
void ws_accept(const uint8_t* key, size_t len, char out[WS_ACCEPT_CHARS]);

}  // namespace qws

#endif
