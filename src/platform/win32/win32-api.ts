// The Win32 functions the Windows platform calls, bound through koffi (an FFI) on first use. Importing
// this module loads nothing: koffi and the DLLs are loaded by the first call to win32(), so a Linux
// process never loads them.
import { createRequire } from 'node:module';

/** A bound function; handles and pointers are BigInt (koffi 3), buffers are passed as Buffers. */
export type Win32Function = (...args: any[]) => any;

/** Every function the platform uses: DLL and C prototype (koffi's syntax), one table. */
const SIGNATURES = {
  OpenProcess: ['kernel32.dll', 'void * __stdcall OpenProcess(uint32_t access, bool inherit, uint32_t pid)'],
  CloseHandle: ['kernel32.dll', 'bool __stdcall CloseHandle(void *h)'],
  GetCurrentProcess: ['kernel32.dll', 'void * __stdcall GetCurrentProcess()'],
  GetCurrentProcessId: ['kernel32.dll', 'uint32_t __stdcall GetCurrentProcessId()'],
  GetLastError: ['kernel32.dll', 'uint32_t __stdcall GetLastError()'],
  WaitForSingleObject: ['kernel32.dll', 'uint32_t __stdcall WaitForSingleObject(void *h, uint32_t ms)'],
  GetProcessTimes: ['kernel32.dll', 'bool __stdcall GetProcessTimes(void *p, void *creation, void *exit, void *kernel, void *user)'],
  ReadProcessMemory: ['kernel32.dll', 'bool __stdcall ReadProcessMemory(void *p, void *addr, void *buf, size_t n, void *read)'],
  EnumProcesses: ['kernel32.dll', 'bool __stdcall K32EnumProcesses(void *pids, uint32_t cb, _Out_ uint32_t *needed)'],
  EnumProcessModulesEx: ['kernel32.dll', 'bool __stdcall K32EnumProcessModulesEx(void *p, void *mods, uint32_t cb, _Out_ uint32_t *needed, uint32_t filter)'],
  GetModuleFileNameExW: ['kernel32.dll', 'uint32_t __stdcall K32GetModuleFileNameExW(void *p, void *mod, void *buf, uint32_t n)'],
  GetMappedFileNameW: ['kernel32.dll', 'uint32_t __stdcall K32GetMappedFileNameW(void *p, void *addr, void *buf, uint32_t n)'],
  CreateFileW: ['kernel32.dll', 'void * __stdcall CreateFileW(str16 name, uint32_t access, uint32_t share, void *sa, uint32_t disposition, uint32_t flags, void *template)'],
  ReadFile: ['kernel32.dll', 'bool __stdcall ReadFile(void *h, void *buf, uint32_t n, _Out_ uint32_t *read, void *overlapped)'],
  OpenFileById: ['kernel32.dll', 'void * __stdcall OpenFileById(void *hint, void *id, uint32_t access, uint32_t share, void *sa, uint32_t flags)'],
  GetFileType: ['kernel32.dll', 'uint32_t __stdcall GetFileType(void *h)'],
  GetFileInformationByHandle: ['kernel32.dll', 'bool __stdcall GetFileInformationByHandle(void *h, void *info)'],
  GetFinalPathNameByHandleW: ['kernel32.dll', 'uint32_t __stdcall GetFinalPathNameByHandleW(void *h, void *buf, uint32_t n, uint32_t flags)'],
  GetLogicalDrives: ['kernel32.dll', 'uint32_t __stdcall GetLogicalDrives()'],
  DuplicateHandle: ['kernel32.dll', 'bool __stdcall DuplicateHandle(void *srcProcess, void *src, void *dstProcess, _Out_ void **dst, uint32_t access, bool inherit, uint32_t options)'],
  MoveFileExW: ['kernel32.dll', 'bool __stdcall MoveFileExW(str16 from, str16 to, uint32_t flags)'],
  NtQuerySystemInformation: ['ntdll.dll', 'int32_t __stdcall NtQuerySystemInformation(int32_t cls, void *buf, uint32_t len, _Out_ uint32_t *needed)'],
  NtQueryInformationProcess: ['ntdll.dll', 'int32_t __stdcall NtQueryInformationProcess(void *p, int32_t cls, void *buf, uint32_t len, _Out_ uint32_t *needed)'],
  RegGetValueW: ['advapi32.dll', 'int32_t __stdcall RegGetValueW(void *key, str16 subkey, str16 value, uint32_t flags, _Out_ uint32_t *type, void *data, _Inout_ uint32_t *size)'],
  OpenProcessToken: ['advapi32.dll', 'bool __stdcall OpenProcessToken(void *p, uint32_t access, _Out_ void **token)'],
  GetTokenInformation: ['advapi32.dll', 'bool __stdcall GetTokenInformation(void *token, int32_t cls, void *buf, uint32_t len, _Out_ uint32_t *needed)'],
  LookupAccountSidW: ['advapi32.dll', 'bool __stdcall LookupAccountSidW(str16 system, void *sid, void *name, _Inout_ uint32_t *nameLen, void *domain, _Inout_ uint32_t *domainLen, _Out_ int32_t *use)'],
  RmStartSession: ['rstrtmgr.dll', 'uint32_t __stdcall RmStartSession(_Out_ uint32_t *session, uint32_t flags, void *key)'],
  RmRegisterResources: ['rstrtmgr.dll', 'uint32_t __stdcall RmRegisterResources(uint32_t session, uint32_t nFiles, const char16_t **files, uint32_t nApps, void *apps, uint32_t nServices, void *services)'],
  RmGetList: ['rstrtmgr.dll', 'uint32_t __stdcall RmGetList(uint32_t session, _Out_ uint32_t *needed, _Inout_ uint32_t *count, void *infos, _Out_ uint32_t *reasons)'],
  RmEndSession: ['rstrtmgr.dll', 'uint32_t __stdcall RmEndSession(uint32_t session)'],
} as const;

export type Win32Api = { readonly [K in keyof typeof SIGNATURES]: Win32Function } & {
  /** Whether this is Wine (ntdll exports wine_get_version), where some services are stubs. */
  readonly wine: boolean;
};

let bound: Win32Api | undefined;

/** The bound functions; the first call loads koffi and the DLLs. */
export function win32(): Win32Api {
  bound ??= bind();
  return bound;
}

function bind(): Win32Api {
  const koffi = createRequire(import.meta.url)('koffi') as typeof import('koffi');
  const libs = new Map<string, ReturnType<typeof koffi.load>>();
  const lib = (dll: string) => {
    let l = libs.get(dll);
    if (l === undefined) libs.set(dll, (l = koffi.load(dll)));
    return l;
  };
  const out = {} as Record<string, unknown>;
  // Each function is looked up on its first use: a missing DLL or export (rstrtmgr.dll on a stripped
  // system) fails only the source that needs it.
  for (const [name, [dll, prototype]] of Object.entries(SIGNATURES)) {
    let fn: Win32Function | undefined;
    Object.defineProperty(out, name, { enumerable: true, get: () => (fn ??= lib(dll).func(prototype)) });
  }
  let wine: boolean | undefined;
  Object.defineProperty(out, 'wine', {
    enumerable: true,
    get: () => (wine ??= hasExport(() => lib('ntdll.dll').func('const char * __cdecl wine_get_version()'))),
  });
  return out as Win32Api;
}

function hasExport(lookUp: () => unknown): boolean {
  try {
    lookUp();
    return true;
  } catch {
    // koffi throws a plain Error when the symbol is missing; a lookup throws nothing else.
    return false;
  }
}

/** The predefined key HKEY_LOCAL_MACHINE: (HKEY)(LONG)0x80000002, sign-extended to a 64-bit pointer. */
export const HKEY_LOCAL_MACHINE = 0xffffffff80000002n;
export const INVALID_HANDLE_VALUE = 0xffffffffffffffffn;

/** Whether a handle returned by CreateFileW / OpenFileById / OpenProcess is usable. */
export function isHandle(h: bigint | null): h is bigint {
  return h !== null && h !== 0n && h !== INVALID_HANDLE_VALUE;
}
