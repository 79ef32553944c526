/* holdopen.exe FILE STOPFILE: holds FILE open the way a typical Windows application holds its data
 * file, sharing read and write but not delete (no FILE_SHARE_DELETE), so nobody can rename or delete
 * it. Prints "ready <pid>", then waits until STOPFILE exists (exit 0). Errors: stderr, exit status 2. */
#include <stdio.h>
#include <windows.h>

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: holdopen FILE STOPFILE\n");
    return 2;
  }
  HANDLE h = CreateFileA(argv[1], GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
  if (h == INVALID_HANDLE_VALUE) {
    fprintf(stderr, "holdopen: CreateFile %s failed (%lu)\n", argv[1], GetLastError());
    return 2;
  }
  printf("ready %lu\n", GetCurrentProcessId());
  fflush(stdout);
  while (GetFileAttributesA(argv[2]) == INVALID_FILE_ATTRIBUTES) Sleep(50);
  CloseHandle(h);
  return 0;
}
