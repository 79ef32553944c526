// Holder source: the files and directories each process has open, from the system handle table
// (NtQuerySystemInformation SystemExtendedHandleInformation). Each file handle is duplicated into this
// process and identified by volume serial + file index ('fd'); the handle a process keeps on its
// current directory (from its PEB) is reported as 'cwd'.
import { keyOfHandle, openForQuery } from './file-identity.js';
import { readProcessParameters } from './process-memory.js';
import type { ScanState } from './scan-state.js';
import { win32 } from './win32-api.js';

const SYSTEM_EXTENDED_HANDLE_INFORMATION = 64;
const STATUS_INFO_LENGTH_MISMATCH = -1073741820; // 0xC0000004 as int32
const ENTRY_BYTES = 40;
const DUPLICATE_SAME_ACCESS = 2;
const FILE_TYPE_DISK = 1;

interface HandleEntry {
  pid: number;
  handle: bigint;
  type: number;
}

export function scanHandles(state: ScanState): void {
  const api = win32();
  const wanted = new Set(state.pids);
  const { entries, fileType } = handlesAndFileType(state.self);
  const me = api.GetCurrentProcess() as bigint;
  const cwdHandles = new Map<number, bigint>();
  for (const e of entries) {
    if (!wanted.has(e.pid) || (fileType !== null && e.type !== fileType)) continue;
    const p = state.open(e.pid);
    if (p.handle === null) continue;
    const out: (bigint | null)[] = [null];
    // Duplicating does not open the file again: no sharing check, nothing blocked, nothing read.
    if (!api.DuplicateHandle(p.handle, e.handle, me, out, 0, false, DUPLICATE_SAME_ACCESS)) continue;
    const dup = out[0]!;
    try {
      // GetFileType never blocks; asking a pipe for file information could wait on it forever.
      if (api.GetFileType(dup) !== FILE_TYPE_DISK) continue;
      let cwd = cwdHandles.get(e.pid);
      if (cwd === undefined) cwdHandles.set(e.pid, (cwd = readProcessParameters(p.handle)?.cwdHandle ?? 0n));
      state.add(e.pid, keyOfHandle(dup), e.handle === cwd ? 'cwd' : 'fd');
    } finally {
      api.CloseHandle(dup);
    }
  }
}

/** Every handle of every process, grown until the table fits. */
function handleTable(): HandleEntry[] {
  const api = win32();
  let size = 1 << 20;
  for (;;) {
    const buf = Buffer.alloc(size);
    const needed = [0];
    const status = api.NtQuerySystemInformation(SYSTEM_EXTENDED_HANDLE_INFORMATION, buf, size, needed) as number;
    if (status === STATUS_INFO_LENGTH_MISMATCH) {
      // Handles come and go between the calls: ask for more than was needed.
      size = Math.max(size * 2, (needed[0] as number) + (1 << 16));
      continue;
    }
    if (status !== 0) throw new Error(`NtQuerySystemInformation(SystemExtendedHandleInformation) failed: status 0x${(status >>> 0).toString(16)}`);
    // SYSTEM_HANDLE_INFORMATION_EX: NumberOfHandles, Reserved, then entries of { Object, UniqueProcessId,
    // HandleValue, GrantedAccess, CreatorBackTraceIndex, ObjectTypeIndex, HandleAttributes, Reserved }.
    const count = Number(buf.readBigUInt64LE(0));
    const out: HandleEntry[] = [];
    for (let i = 0, at = 16; i < count && at + ENTRY_BYTES <= buf.length; i++, at += ENTRY_BYTES) {
      out.push({ pid: Number(buf.readBigUInt64LE(at + 8)), handle: buf.readBigUInt64LE(at + 16), type: buf.readUInt16LE(at + 30) });
    }
    return out;
  }
}

/**
 * Every handle, and the object type index of files on this system (it differs between Windows
 * versions), learnt from a handle this process holds open on purpose while the table is read; null
 * when it cannot be told, then every handle is tried.
 */
function handlesAndFileType(self: number): { entries: HandleEntry[]; fileType: number | null } {
  const probe = openForQuery(process.execPath);
  try {
    const entries = handleTable();
    const mine = probe === null ? undefined : entries.find((e) => e.pid === self && e.handle === probe);
    return { entries, fileType: mine?.type ?? null };
  } finally {
    if (probe !== null) win32().CloseHandle(probe);
  }
}
