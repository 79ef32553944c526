// SHA-256 on a second thread, so that an install's hashing runs beside its reading, decoding and
// writing (docs/architecture.md, "Decisions": hashing beside the transaction). One hasher is one POSIX
// thread that takes jobs in the order they were added (unless the caller takes one back first): a buffer (a Node Buffer, held by a reference
// until its result is taken) or an open file descriptor (read with pread from offset 0 to its end). The
// transaction's thread adds jobs and later takes each result, waiting only when the thread has not got
// there yet. The digest is OpenSSL's EVP SHA-256, which every Node process carries and exports (the
// symbols resolve against the node executable when the module is loaded; where they do not, the module
// does not load and callers hash on their own thread). The hashing thread calls no Node-API function.
#define _GNU_SOURCE
#define NAPI_VERSION 8
#include <node_api.h>

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

// OpenSSL's EVP digest interface, declared here (the package builds without OpenSSL's headers).
typedef struct evp_md_st EVP_MD;
typedef struct evp_md_ctx_st EVP_MD_CTX;
typedef struct engine_st ENGINE;
extern EVP_MD_CTX *EVP_MD_CTX_new(void);
extern void EVP_MD_CTX_free(EVP_MD_CTX *ctx);
extern const EVP_MD *EVP_sha256(void);
extern int EVP_DigestInit_ex(EVP_MD_CTX *ctx, const EVP_MD *type, ENGINE *impl);
extern int EVP_DigestUpdate(EVP_MD_CTX *ctx, const void *d, size_t cnt);
extern int EVP_DigestFinal_ex(EVP_MD_CTX *ctx, unsigned char *md, unsigned int *s);

#define READ_CHUNK (1 << 20)

typedef struct {
  // Input: a buffer (data, len) or a descriptor (fd >= 0).
  const uint8_t *data;
  size_t len;
  int fd;
  napi_ref ref;
  // Output, written by the hashing thread before `done`.
  int started;        // the hashing thread has begun it, or the caller took it back
  int taken;          // the caller took it back (`take`): it is never done
  int done;
  int err;            // errno of a failed read, or -1 when the digest failed
  uint64_t bytes;     // bytes hashed
  char hex[65];
} job_t;

typedef struct {
  pthread_t thread;
  pthread_mutex_t lock;
  pthread_cond_t added, finished;
  job_t *jobs;
  size_t count, cap, next;
  int stop, started, closed;
  uint8_t *chunk;
} hasher_t;

static void to_hex(const unsigned char *md, char *out) {
  static const char digits[] = "0123456789abcdef";
  for (int i = 0; i < 32; i++) {
    out[2 * i] = digits[md[i] >> 4];
    out[2 * i + 1] = digits[md[i] & 15];
  }
  out[64] = 0;
}

// Hashes one job's input (outside the lock: the job's input fields are not written after it is added).
static void run_job(hasher_t *h, const uint8_t *data, size_t len, int fd, int *err, uint64_t *bytes, char *hex) {
  unsigned char md[32];
  unsigned int mdlen = 0;
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  *err = 0;
  *bytes = 0;
  if (ctx == NULL || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
    *err = -1;
  } else if (fd < 0) {
    if (len > 0 && EVP_DigestUpdate(ctx, data, len) != 1) *err = -1;
    *bytes = len;
  } else {
    for (;;) {
      ssize_t n = pread(fd, h->chunk, READ_CHUNK, (off_t)*bytes);
      if (n < 0) {
        if (errno == EINTR) continue;
        *err = errno;
        break;
      }
      if (n == 0) break;
      if (EVP_DigestUpdate(ctx, h->chunk, (size_t)n) != 1) {
        *err = -1;
        break;
      }
      *bytes += (uint64_t)n;
    }
  }
  if (*err == 0 && EVP_DigestFinal_ex(ctx, md, &mdlen) != 1) *err = -1;
  if (*err == 0) to_hex(md, hex);
  if (ctx != NULL) EVP_MD_CTX_free(ctx);
}

static void *hashing_thread(void *arg) {
  hasher_t *h = arg;
  pthread_mutex_lock(&h->lock);
  for (;;) {
    // Jobs the caller took back (`take`) are skipped.
    while (!h->stop && h->next < h->count && h->jobs[h->next].started) h->next++;
    if (!h->stop && h->next == h->count) {
      pthread_cond_wait(&h->added, &h->lock);
      continue;
    }
    if (h->stop) break;
    size_t i = h->next++;
    h->jobs[i].started = 1;
    const uint8_t *data = h->jobs[i].data;
    size_t len = h->jobs[i].len;
    int fd = h->jobs[i].fd;
    pthread_mutex_unlock(&h->lock);
    int err;
    uint64_t bytes;
    char hex[65];
    run_job(h, data, len, fd, &err, &bytes, hex);
    pthread_mutex_lock(&h->lock);
    // The jobs array may have moved (grown) meanwhile: write through the index.
    job_t *j = &h->jobs[i];
    j->err = err;
    j->bytes = bytes;
    memcpy(j->hex, hex, sizeof hex);
    j->done = 1;
    pthread_cond_broadcast(&h->finished);
  }
  pthread_mutex_unlock(&h->lock);
  return NULL;
}

// Stops and joins the thread (after the job it is on), and drops the references still held.
static void shut(napi_env env, hasher_t *h) {
  if (h->closed) return;
  h->closed = 1;
  if (h->started) {
    pthread_mutex_lock(&h->lock);
    h->stop = 1;
    pthread_cond_broadcast(&h->added);
    pthread_mutex_unlock(&h->lock);
    pthread_join(h->thread, NULL);
  }
  for (size_t i = 0; i < h->count; i++) {
    if (h->jobs[i].ref != NULL && env != NULL) napi_delete_reference(env, h->jobs[i].ref);
    h->jobs[i].ref = NULL;
  }
}

static void finalize(napi_env env, void *data, void *hint) {
  (void)hint;
  hasher_t *h = data;
  shut(env, h);
  pthread_mutex_destroy(&h->lock);
  pthread_cond_destroy(&h->added);
  pthread_cond_destroy(&h->finished);
  free(h->jobs);
  free(h->chunk);
  free(h);
}

static napi_value throw_error(napi_env env, const char *code, const char *msg) {
  napi_throw_error(env, code, msg);
  return NULL;
}

static hasher_t *hasher_arg(napi_env env, napi_value v) {
  hasher_t *h = NULL;
  if (napi_get_value_external(env, v, (void **)&h) != napi_ok || h == NULL) return NULL;
  return h;
}

// open(): a new hasher with its thread started.
static napi_value open_hasher(napi_env env, napi_callback_info info) {
  (void)info;
  hasher_t *h = calloc(1, sizeof *h);
  if (h != NULL) h->chunk = malloc(READ_CHUNK);
  if (h == NULL || h->chunk == NULL) {
    free(h);
    return throw_error(env, "ENOMEM", "hasher: out of memory");
  }
  pthread_mutex_init(&h->lock, NULL);
  pthread_cond_init(&h->added, NULL);
  pthread_cond_init(&h->finished, NULL);
  napi_value out;
  if (napi_create_external(env, h, finalize, NULL, &out) != napi_ok) {
    finalize(env, h, NULL);
    return throw_error(env, NULL, "hasher: napi_create_external failed");
  }
  int rc = pthread_create(&h->thread, NULL, hashing_thread, h);
  if (rc != 0) {
    char msg[96];
    snprintf(msg, sizeof msg, "hasher: pthread_create failed (errno %d)", rc);
    return throw_error(env, "EAGAIN", msg);
  }
  h->started = 1;
  return out;
}

static napi_value add_job(napi_env env, hasher_t *h, const uint8_t *data, size_t len, int fd, napi_ref ref) {
  pthread_mutex_lock(&h->lock);
  if (h->count == h->cap) {
    size_t cap = h->cap == 0 ? 64 : h->cap * 2;
    job_t *jobs = realloc(h->jobs, cap * sizeof *jobs);
    if (jobs == NULL) {
      pthread_mutex_unlock(&h->lock);
      if (ref != NULL) napi_delete_reference(env, ref);
      return throw_error(env, "ENOMEM", "hasher: out of memory");
    }
    h->jobs = jobs;
    h->cap = cap;
  }
  size_t id = h->count++;
  job_t *j = &h->jobs[id];
  memset(j, 0, sizeof *j);
  j->data = data;
  j->len = len;
  j->fd = fd;
  j->ref = ref;
  pthread_cond_signal(&h->added);
  pthread_mutex_unlock(&h->lock);
  napi_value out;
  napi_create_uint32(env, (uint32_t)id, &out);
  return out;
}

// addBuffer(hasher, buffer): the job's number. The buffer must not change until its result is taken.
static napi_value add_buffer(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  void *data = NULL;
  size_t len = 0;
  bool is_buffer = false;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 2) return throw_error(env, NULL, "addBuffer(hasher, buffer)");
  hasher_t *h = hasher_arg(env, argv[0]);
  if (h == NULL || h->closed) return throw_error(env, NULL, "addBuffer: not an open hasher");
  if (napi_is_buffer(env, argv[1], &is_buffer) != napi_ok || !is_buffer || napi_get_buffer_info(env, argv[1], &data, &len) != napi_ok) return throw_error(env, NULL, "addBuffer: not a Buffer");
  napi_ref ref;
  if (napi_create_reference(env, argv[1], 1, &ref) != napi_ok) return throw_error(env, NULL, "addBuffer: napi_create_reference failed");
  return add_job(env, h, data, len, -1, ref);
}

// addFd(hasher, fd): the job's number. The descriptor must stay open, its file unchanged, until the result is taken.
static napi_value add_fd(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  int32_t fd;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 2 || napi_get_value_int32(env, argv[1], &fd) != napi_ok || fd < 0) return throw_error(env, NULL, "addFd(hasher, fd)");
  hasher_t *h = hasher_arg(env, argv[0]);
  if (h == NULL || h->closed) return throw_error(env, NULL, "addFd: not an open hasher");
  return add_job(env, h, NULL, 0, fd, NULL);
}

// The (hasher, id) arguments of `name`: 0 with the hasher's lock held and `id` one of its jobs, or -1
// with a JavaScript error thrown (and the lock not held).
static int lock_job(napi_env env, napi_callback_info info, const char *name, hasher_t **hp, uint32_t *id) {
  size_t argc = 2;
  napi_value argv[2];
  char msg[64];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 2 || napi_get_value_uint32(env, argv[1], id) != napi_ok) {
    snprintf(msg, sizeof msg, "%s(hasher, id)", name);
    throw_error(env, NULL, msg);
    return -1;
  }
  hasher_t *h = hasher_arg(env, argv[0]);
  if (h == NULL || h->closed) {
    snprintf(msg, sizeof msg, "%s: not an open hasher", name);
    throw_error(env, NULL, msg);
    return -1;
  }
  pthread_mutex_lock(&h->lock);
  if (*id >= h->count) {
    pthread_mutex_unlock(&h->lock);
    snprintf(msg, sizeof msg, "%s: no such job", name);
    throw_error(env, NULL, msg);
    return -1;
  }
  *hp = h;
  return 0;
}

// result(hasher, id): [sha256 hex, bytes hashed], or [null, errno] for a failed read, waiting for the job.
static napi_value result(napi_env env, napi_callback_info info) {
  hasher_t *h;
  uint32_t id;
  if (lock_job(env, info, "result", &h, &id) != 0) return NULL;
  if (h->jobs[id].taken) {
    pthread_mutex_unlock(&h->lock);
    return throw_error(env, NULL, "result: the job was taken back");
  }
  while (!h->jobs[id].done) pthread_cond_wait(&h->finished, &h->lock);
  job_t j = h->jobs[id];
  h->jobs[id].ref = NULL;
  pthread_mutex_unlock(&h->lock);
  if (j.ref != NULL) napi_delete_reference(env, j.ref);
  if (j.err == -1) return throw_error(env, NULL, "hasher: OpenSSL's SHA-256 failed");
  napi_value out, a, b;
  napi_create_array_with_length(env, 2, &out);
  if (j.err != 0) {
    napi_get_null(env, &a);
    napi_create_int32(env, j.err, &b);
  } else {
    napi_create_string_latin1(env, j.hex, 64, &a);
    napi_create_double(env, (double)j.bytes, &b);
  }
  napi_set_element(env, out, 0, a);
  napi_set_element(env, out, 1, b);
  return out;
}

// take(hasher, id): true when the thread had not started the job, which is then the caller's to do
// (its buffer is released; its result is never given); false when it has started or finished it.
static napi_value take(napi_env env, napi_callback_info info) {
  hasher_t *h;
  uint32_t id;
  if (lock_job(env, info, "take", &h, &id) != 0) return NULL;
  job_t *j = &h->jobs[id];
  int taken = !j->started;
  napi_ref ref = NULL;
  if (taken) {
    j->started = 1;
    j->taken = 1;
    ref = j->ref;
    j->ref = NULL;
  }
  pthread_mutex_unlock(&h->lock);
  if (ref != NULL) napi_delete_reference(env, ref);
  napi_value out;
  napi_get_boolean(env, taken, &out);
  return out;
}

// close(hasher): stops the thread (after its current job) and drops every buffer still held.
static napi_value close_hasher(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 1) return throw_error(env, NULL, "close(hasher)");
  hasher_t *h = hasher_arg(env, argv[0]);
  if (h == NULL) return throw_error(env, NULL, "close: not a hasher");
  shut(env, h);
  return NULL;
}

NAPI_MODULE_INIT() {
  static const struct { const char *name; napi_callback cb; } fns[] = {
    {"open", open_hasher}, {"addBuffer", add_buffer}, {"addFd", add_fd}, {"result", result}, {"take", take}, {"close", close_hasher},
  };
  for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
    napi_value fn;
    if (napi_create_function(env, fns[i].name, NAPI_AUTO_LENGTH, fns[i].cb, NULL, &fn) != napi_ok || napi_set_named_property(env, exports, fns[i].name, fn) != napi_ok) return NULL;
  }
  return exports;
}
