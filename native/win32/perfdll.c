/* One perf-counter DLL of the Windows demo and tests: the same source built for each of the four DLLs
 * the Exchange 5.5 SP4 article names, once per release. Compiled with -DPERF_NAME="Mdbperf.dll"
 * -DPERF_VERSION="5.5" -DPERF_BUILD=1960. */
#define PERF_EXPORT __declspec(dllexport)

PERF_EXPORT const char *perf_name(void) {
  return PERF_NAME " " PERF_VERSION;
}

PERF_EXPORT int perf_collect(void) {
  return PERF_BUILD;
}
