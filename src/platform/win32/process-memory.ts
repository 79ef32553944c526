// What a process's own memory says about it, read with ReadProcessMemory from its PEB (the process
// parameters block): its command line, and the handle and path of its current directory.
import { win32 } from './win32-api.js';

const PROCESS_BASIC_INFORMATION = 0;

/** Offsets in the 64-bit PEB and RTL_USER_PROCESS_PARAMETERS (stable since Windows XP x64; Wine uses them too). */
const PEB_PROCESS_PARAMETERS = 0x20;
/** CURDIR: the DosPath UNICODE_STRING (length, then its buffer's address at +8), then the handle. */
const PARAMS_CURRENT_DIRECTORY_PATH = 0x38;
const PARAMS_CURRENT_DIRECTORY_HANDLE = 0x48;
const PARAMS_COMMAND_LINE = 0x70;

export interface ProcessParameters {
  commandLine: string | undefined;
  /** The handle value, in that process, of its current directory (0n when none). */
  cwdHandle: bigint;
  /** The Win32 path of its current directory, as it was set (with a trailing backslash), when readable. */
  cwdPath: string | undefined;
}

/** Reads the parameters of the process open as `h` (PROCESS_QUERY_INFORMATION | PROCESS_VM_READ); null when unreadable. */
export function readProcessParameters(h: bigint): ProcessParameters | null {
  const api = win32();
  const basic = Buffer.alloc(48);
  if (api.NtQueryInformationProcess(h, PROCESS_BASIC_INFORMATION, basic, 48, [0]) !== 0) return null;
  const peb = basic.readBigUInt64LE(8);
  const params = readPointer(h, peb + BigInt(PEB_PROCESS_PARAMETERS));
  if (params === null || params === 0n) return null;
  const cwdHandle = readPointer(h, params + BigInt(PARAMS_CURRENT_DIRECTORY_HANDLE));
  return {
    commandLine: readUnicodeString(h, params + BigInt(PARAMS_COMMAND_LINE)),
    cwdHandle: cwdHandle ?? 0n,
    cwdPath: readUnicodeString(h, params + BigInt(PARAMS_CURRENT_DIRECTORY_PATH)),
  };
}

/** The text of the UNICODE_STRING at `address` (length in bytes, then the buffer's address at +8), or undefined when empty or unreadable. */
function readUnicodeString(h: bigint, address: bigint): string | undefined {
  const header = read(h, address, 16);
  if (header === null) return undefined;
  const length = header.readUInt16LE(0);
  const text = length > 0 ? read(h, header.readBigUInt64LE(8), length) : null;
  return text?.toString('utf16le') || undefined;
}

/** `length` bytes at `address` in the process open as `h`, or null when they cannot be read. */
export function read(h: bigint, address: bigint, length: number): Buffer | null {
  const buf = Buffer.alloc(length);
  return win32().ReadProcessMemory(h, address, buf, length, null) ? buf : null;
}

function readPointer(h: bigint, address: bigint): bigint | null {
  return read(h, address, 8)?.readBigUInt64LE(0) ?? null;
}
