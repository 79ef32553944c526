// What a process's own memory says about it, read with ReadProcessMemory from its PEB (the process
// parameters block): its command line and the handle of its current directory.
import { win32 } from './win32-api.js';

const PROCESS_BASIC_INFORMATION = 0;

/** Offsets in the 64-bit PEB and RTL_USER_PROCESS_PARAMETERS (stable since Windows XP x64; Wine uses them too). */
const PEB_PROCESS_PARAMETERS = 0x20;
const PARAMS_CURRENT_DIRECTORY_HANDLE = 0x48;
const PARAMS_COMMAND_LINE = 0x70;

export interface ProcessParameters {
  commandLine: string | undefined;
  /** The handle value, in that process, of its current directory (0n when none). */
  cwdHandle: bigint;
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
  const cmd = read(h, params + BigInt(PARAMS_COMMAND_LINE), 16);
  let commandLine: string | undefined;
  if (cmd !== null) {
    const length = cmd.readUInt16LE(0);
    const text = length > 0 ? read(h, cmd.readBigUInt64LE(8), length) : null;
    commandLine = text?.toString('utf16le') || undefined;
  }
  return { commandLine, cwdHandle: cwdHandle ?? 0n };
}

/** `length` bytes at `address` in the process open as `h`, or null when they cannot be read. */
export function read(h: bigint, address: bigint, length: number): Buffer | null {
  const buf = Buffer.alloc(length);
  return win32().ReadProcessMemory(h, address, buf, length, null) ? buf : null;
}

function readPointer(h: bigint, address: bigint): bigint | null {
  return read(h, address, 8)?.readBigUInt64LE(0) ?? null;
}
