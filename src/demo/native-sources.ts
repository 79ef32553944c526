// C sources of the demo fixture: a perf-counter library built once per DLL name and release, and
// `perfhost`, the hidden Performance Monitor host that keeps those libraries mapped while it runs.

/**
 * One perf-counter library. Compiled with -DPERF_NAME="Mdbperf.dll" -DPERF_VERSION="5.5"
 * -DPERF_BUILD=1960 -DPERF_PAD_BYTES=65536. The padding (placed before .text by the GNU linker's
 * .text.unlikely rule) puts perf_collect far into the base release's file, so when a smaller
 * release is copied over a mapped one, the host's next call jumps past the new end of file and
 * faults (SIGBUS) every time, instead of running the new code at the old address by luck of layout.
 */
export const librarySource = `#define PERF_STR2(x) #x
#define PERF_STR(x) PERF_STR2(x)

#if PERF_PAD_BYTES > 0
__attribute__((used, noinline, section(".text.unlikely.perf_pad")))
static void perf_pad(void) {
  __asm__ volatile(".skip " PERF_STR(PERF_PAD_BYTES));
}
#endif

const char *perf_name(void) {
  return PERF_NAME " " PERF_VERSION;
}

int perf_collect(void) {
  return PERF_BUILD;
}
`;

/**
 * perfhost LIB...: dlopen()s every library (RTLD_NOW), prints exactly one line `ready <pid>` to
 * stdout, then calls each library's perf_collect every 20 ms until SIGTERM, when it exits 0.
 * Errors go to stderr with exit status 2. Compiled with -DPERF_VERSION="5.5".
 */
export const hostSource = `#define _POSIX_C_SOURCE 200809L
#include <dlfcn.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef int (*collect_fn)(void);

/* Kept in the binary so that each release's perfhost differs, as a real service pack's would. */
__attribute__((used)) static const char perfhost_version[] = "perfhost " PERF_VERSION;

static volatile sig_atomic_t stopping = 0;

static void on_term(int sig) {
  (void)sig;
  stopping = 1;
}

int main(int argc, char **argv) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_term;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, NULL);

  int count = argc - 1;
  collect_fn *collect = calloc(count > 0 ? (size_t)count : 1, sizeof *collect);
  if (collect == NULL) {
    fprintf(stderr, "perfhost: out of memory\\n");
    return 2;
  }
  for (int i = 0; i < count; i++) {
    void *lib = dlopen(argv[i + 1], RTLD_NOW);
    if (lib == NULL) {
      fprintf(stderr, "perfhost: %s\\n", dlerror());
      return 2;
    }
    void *sym = dlsym(lib, "perf_collect");
    if (sym == NULL) {
      fprintf(stderr, "perfhost: %s: no perf_collect\\n", argv[i + 1]);
      return 2;
    }
    memcpy(&collect[i], &sym, sizeof sym);
  }

  printf("ready %ld\\n", (long)getpid());
  fflush(stdout);

  struct timespec tick = { 0, 20L * 1000L * 1000L };
  volatile long sink = 0;
  while (!stopping) {
    for (int i = 0; i < count; i++) sink += collect[i]();
    nanosleep(&tick, NULL);
  }
  return 0;
}
`;
