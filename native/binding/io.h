// The native transport's JS functions (io.cc), registered by binding.cc.
#ifndef QWS_BINDING_IO_H
#define QWS_BINDING_IO_H

#include <node_api.h>

namespace qws {
namespace binding {

// Adds ioSupported, ioInit, ioReadBuffer, ioAdopt, ioWrite, ioWriteMany, ioQueued, ioEnd, ioClose, ioRead and
// ioAddress to `exports`.
void InitIo(napi_env env, napi_value exports);

// Adds the native topics' functions (topics.cc: ioShareTable, ioTopicNew, ioTopicFree,
// ioTopicAdd, ioTopicRemove, ioPublish, ioBroadcast, ioFlushCollected) to `exports`.
void InitTopics(napi_env env, napi_value exports);

}  // namespace binding
}  // namespace qws

#endif
