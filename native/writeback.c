// Starts the write-back of a file's dirty pages without waiting for it (sync_file_range with
// SYNC_FILE_RANGE_WRITE), so that the disk writes one staged file while the next is decoded, as dpkg
// does before its deferred fsyncs. A hint only: the fsync that follows is what makes a file durable and
// what reports a write-back error (the kernel keeps it for the next fsync of every open descriptor).
#define _GNU_SOURCE
#define NAPI_VERSION 8
#include <node_api.h>

#include <errno.h>
#include <fcntl.h>

// startWriteback(fd): 0, or the errno of sync_file_range.
static napi_value start_writeback(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], out;
  int32_t fd;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 1 || napi_get_value_int32(env, argv[0], &fd) != napi_ok) {
    napi_throw_type_error(env, NULL, "startWriteback(fd)");
    return NULL;
  }
  int err = sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE) == 0 ? 0 : errno;
  napi_create_int32(env, err, &out);
  return out;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  if (napi_create_function(env, "startWriteback", NAPI_AUTO_LENGTH, start_writeback, NULL, &fn) != napi_ok || napi_set_named_property(env, exports, "startWriteback", fn) != napi_ok) return NULL;
  return exports;
}
