// SIGINT and SIGTERM for the servicepack command line, in C because a JavaScript signal listener runs
// only when the event loop does, and a transaction is synchronous. Two modes:
// - outside a critical section, a signal writes the message the command prepared (its error text or
//   --json result line) with write(2) and ends the process with _exit(128 + signal): both are
//   async-signal-safe, and nothing is half-done outside a transaction;
// - inside one (a transaction before its point of no return), a signal is only recorded; the
//   transaction polls it between steps, rolls back and reports INTERRUPTED (docs/journal.md).
#define _GNU_SOURCE
#define NAPI_VERSION 8
#include <node_api.h>

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct { int fd; char *bytes; size_t len; } report_t;

static report_t reports[2]; // [0]: SIGINT, [1]: SIGTERM
static volatile sig_atomic_t deferring = 0;
static volatile sig_atomic_t pending = 0;

static void on_signal(int sig) {
  if (deferring) {
    if (pending == 0) pending = sig;
    return;
  }
  const report_t *r = &reports[sig == SIGINT ? 0 : 1];
  size_t done = 0;
  while (done < r->len) {
    ssize_t n = write(r->fd, r->bytes + done, r->len - done);
    if (n <= 0) break;
    done += (size_t)n;
  }
  _exit(128 + sig);
}

/** Reads argument `i` as (fd, Buffer) into `r`; false on a wrong type. */
static int read_report(napi_env env, napi_value fd, napi_value buf, report_t *r) {
  int32_t f;
  void *data;
  size_t len;
  if (napi_get_value_int32(env, fd, &f) != napi_ok || napi_get_buffer_info(env, buf, &data, &len) != napi_ok) return 0;
  char *copy = malloc(len == 0 ? 1 : len);
  if (copy == NULL) return 0;
  memcpy(copy, data, len);
  // Signals may be live: swap in the new report whole (the old one is kept; it is a few hundred bytes).
  sigset_t all, old;
  sigfillset(&all);
  sigprocmask(SIG_BLOCK, &all, &old);
  r->fd = f;
  r->bytes = copy;
  r->len = len;
  sigprocmask(SIG_SETMASK, &old, NULL);
  return 1;
}

// watch(sigintFd, sigintBytes, sigtermFd, sigtermBytes): prepares the reports and installs the handler.
static napi_value watch(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 4 ||
      !read_report(env, argv[0], argv[1], &reports[0]) || !read_report(env, argv[2], argv[3], &reports[1])) {
    napi_throw_type_error(env, NULL, "watch(sigintFd, sigintBytes, sigtermFd, sigtermBytes)");
    return NULL;
  }
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigfillset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  if (sigaction(SIGINT, &sa, NULL) != 0 || sigaction(SIGTERM, &sa, NULL) != 0) {
    napi_throw_error(env, NULL, "sigaction failed");
    return NULL;
  }
  return NULL;
}

// defer(on): enters (true) or leaves (false) a critical section; leaving it returns a signal that
// arrived inside and was not taken, and clears it.
static napi_value defer(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], out;
  bool on = false;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 1 || napi_get_value_bool(env, argv[0], &on) != napi_ok) {
    napi_throw_type_error(env, NULL, "defer(on)");
    return NULL;
  }
  int sig = 0;
  if (on) {
    deferring = 1;
  } else {
    sigset_t all, old;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, &old);
    deferring = 0;
    sig = pending;
    pending = 0;
    sigprocmask(SIG_SETMASK, &old, NULL);
  }
  napi_create_int32(env, sig, &out);
  return out;
}

// pending(): the signal recorded inside the critical section (0: none); it stays recorded.
static napi_value pending_signal(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value out;
  napi_create_int32(env, pending, &out);
  return out;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  if (napi_create_function(env, "watch", NAPI_AUTO_LENGTH, watch, NULL, &fn) != napi_ok || napi_set_named_property(env, exports, "watch", fn) != napi_ok) return NULL;
  if (napi_create_function(env, "defer", NAPI_AUTO_LENGTH, defer, NULL, &fn) != napi_ok || napi_set_named_property(env, exports, "defer", fn) != napi_ok) return NULL;
  if (napi_create_function(env, "pending", NAPI_AUTO_LENGTH, pending_signal, NULL, &fn) != napi_ok || napi_set_named_property(env, exports, "pending", fn) != napi_ok) return NULL;
  return exports;
}
