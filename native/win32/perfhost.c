/* perfhost.exe STOPFILE: the hidden Performance Monitor host of the article. Loads the four perf DLLs
 * from its own directory (as Performance Monitor loads them from Exchsrvr\BIN), prints "ready <pid>",
 * then every 100 ms calls each DLL and prints one line naming what each returned, e.g.
 * "Mdbperf.dll 5.5|Msefperf.dll 5.5|Mtaperf.dll 5.5|Perfdsa.dll 5.5", until STOPFILE exists (exit 0).
 * Errors: a line on stderr and exit status 2. Compiled with -DPERF_VERSION="5.5". */
#include <stdio.h>
#include <string.h>
#include <windows.h>

typedef const char *(*name_fn)(void);
typedef int (*collect_fn)(void);

static const char *const dlls[] = {"Mdbperf.dll", "Msefperf.dll", "Mtaperf.dll", "Perfdsa.dll"};
#define NDLLS (sizeof dlls / sizeof dlls[0])

/* Kept in the binary so that each release's perfhost differs, as a real service pack's would. */
__attribute__((used)) static const char perfhost_version[] = "perfhost " PERF_VERSION;

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: perfhost STOPFILE\n");
    return 2;
  }
  char dir[MAX_PATH];
  DWORD n = GetModuleFileNameA(NULL, dir, MAX_PATH);
  if (n == 0 || n >= MAX_PATH) {
    fprintf(stderr, "perfhost: GetModuleFileName failed (%lu)\n", GetLastError());
    return 2;
  }
  char *slash = strrchr(dir, '\\');
  if (slash != NULL) *slash = '\0';
  name_fn name[NDLLS];
  collect_fn collect[NDLLS];
  for (size_t i = 0; i < NDLLS; i++) {
    char path[MAX_PATH + 32];
    snprintf(path, sizeof path, "%s\\%s", dir, dlls[i]);
    HMODULE lib = LoadLibraryA(path);
    if (lib == NULL) {
      fprintf(stderr, "perfhost: LoadLibrary %s failed (%lu)\n", path, GetLastError());
      return 2;
    }
    name[i] = (name_fn)(void *)GetProcAddress(lib, "perf_name");
    collect[i] = (collect_fn)(void *)GetProcAddress(lib, "perf_collect");
    if (name[i] == NULL || collect[i] == NULL) {
      fprintf(stderr, "perfhost: %s exports no perf_name/perf_collect\n", path);
      return 2;
    }
  }
  printf("ready %lu\n", GetCurrentProcessId());
  fflush(stdout);
  while (GetFileAttributesA(argv[1]) == INVALID_FILE_ATTRIBUTES) {
    for (size_t i = 0; i < NDLLS; i++) {
      collect[i]();
      printf("%s%s", i == 0 ? "" : "|", name[i]());
    }
    printf("\n");
    fflush(stdout);
    Sleep(100);
  }
  return 0;
}
