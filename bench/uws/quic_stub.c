/* Stand-ins for uSockets' QUIC functions, for a uWebSockets.js built without lsquic (bench only).
 * The addon always instantiates its experimental H3App, so these symbols must exist; the bench
 * never calls them, and if anything does, the process stops with a message instead of running on
 * a half-made QUIC context. Signatures come from uSockets' own quic.h. */
#include <stdio.h>
#include <stdlib.h>
#include "quic.h"

static void no_quic(const char *fn) {
  fprintf(stderr, "%s: this uWebSockets.js was built for the bench without QUIC (H3App is unavailable)\n", fn);
  abort();
}

#define NO_QUIC(ret, name, ...) ret name(__VA_ARGS__) { no_quic(#name); return (ret) 0; }
#define NO_QUIC_VOID(name, ...) void name(__VA_ARGS__) { no_quic(#name); }

NO_QUIC(void *, us_quic_stream_ext, us_quic_stream_t *s)
NO_QUIC(int, us_quic_stream_write, us_quic_stream_t *s, char *data, int length)
NO_QUIC(int, us_quic_stream_shutdown, us_quic_stream_t *s)
NO_QUIC(int, us_quic_stream_shutdown_read, us_quic_stream_t *s)
NO_QUIC_VOID(us_quic_stream_close, us_quic_stream_t *s)
NO_QUIC(int, us_quic_socket_context_get_header, us_quic_socket_context_t *context, int index, char **name, int *name_length, char **value, int *value_length)
NO_QUIC_VOID(us_quic_socket_context_set_header, us_quic_socket_context_t *context, int index, const char *key, int key_length, const char *value, int value_length)
NO_QUIC_VOID(us_quic_socket_context_send_headers, us_quic_socket_context_t *context, us_quic_stream_t *s, int num, int has_body)
NO_QUIC(us_quic_socket_context_t *, us_create_quic_socket_context, struct us_loop_t *loop, us_quic_socket_context_options_t options, int ext_size)
NO_QUIC(us_quic_listen_socket_t *, us_quic_socket_context_listen, us_quic_socket_context_t *context, const char *host, int port, int ext_size)
NO_QUIC(us_quic_socket_t *, us_quic_socket_context_connect, us_quic_socket_context_t *context, const char *host, int port, int ext_size)
NO_QUIC_VOID(us_quic_socket_create_stream, us_quic_socket_t *s, int ext_size)
NO_QUIC(us_quic_socket_t *, us_quic_stream_socket, us_quic_stream_t *s)
NO_QUIC(int, us_quic_stream_is_client, us_quic_stream_t *s)
NO_QUIC_VOID(us_quic_socket_context_on_stream_data, us_quic_socket_context_t *context, void (*cb)(us_quic_stream_t *s, char *data, int length))
NO_QUIC_VOID(us_quic_socket_context_on_stream_end, us_quic_socket_context_t *context, void (*cb)(us_quic_stream_t *s))
NO_QUIC_VOID(us_quic_socket_context_on_stream_headers, us_quic_socket_context_t *context, void (*cb)(us_quic_stream_t *s))
NO_QUIC_VOID(us_quic_socket_context_on_stream_open, us_quic_socket_context_t *context, void (*cb)(us_quic_stream_t *s, int is_client))
NO_QUIC_VOID(us_quic_socket_context_on_stream_close, us_quic_socket_context_t *context, void (*cb)(us_quic_stream_t *s))
NO_QUIC_VOID(us_quic_socket_context_on_open, us_quic_socket_context_t *context, void (*cb)(us_quic_socket_t *s, int is_client))
NO_QUIC_VOID(us_quic_socket_context_on_close, us_quic_socket_context_t *context, void (*cb)(us_quic_socket_t *s))
NO_QUIC_VOID(us_quic_socket_context_on_stream_writable, us_quic_socket_context_t *context, void (*cb)(us_quic_stream_t *s))
NO_QUIC(void *, us_quic_socket_context_ext, us_quic_socket_context_t *context)
NO_QUIC(us_quic_socket_context_t *, us_quic_socket_context, us_quic_socket_t *s)
