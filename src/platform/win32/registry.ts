// Reads registry values (RegGetValueW) for the Windows platform.
import { HKEY_LOCAL_MACHINE, win32 } from './win32-api.js';

export const HKLM_SESSION_MANAGER = { root: HKEY_LOCAL_MACHINE, path: 'SYSTEM\\CurrentControlSet\\Control\\Session Manager' } as const;

const RRF_RT_REG_MULTI_SZ = 0x20;
const ERROR_FILE_NOT_FOUND = 2;
const ERROR_MORE_DATA = 234;

/**
 * A REG_MULTI_SZ value as its NUL-separated fields, every one kept (empty ones included), or null
 * when the value does not exist.
 */
export function readMultiString(key: { root: bigint; path: string }, value: string): string[] | null {
  const api = win32();
  let size = 4096;
  for (;;) {
    const data = Buffer.alloc(size);
    const got = [size];
    const status = api.RegGetValueW(key.root, key.path, value, RRF_RT_REG_MULTI_SZ, [0], data, got) as number;
    if (status === ERROR_FILE_NOT_FOUND) return null;
    if (status === ERROR_MORE_DATA) {
      size = Math.max(size * 2, (got[0] as number) + 4);
      continue;
    }
    if (status !== 0) throw new Error(`RegGetValueW(${key.path}\\${value}) failed: error ${status}`);
    const text = data.toString('utf16le', 0, got[0] as number);
    // Drop the list's own terminator (the last NUL); the pairs carry empty fields of their own.
    return text.replace(/\0$/, '').split('\0');
  }
}
