// The facts of a Windows process a user needs to recognise it: command line (from its PEB), user
// (its token's account), start time (GetProcessTimes). Services and applications are named by
// Restart Manager where it answers (restart-manager.ts).
import type { ProcessFacts } from '../holds.js';
import { fileTimeToMs, processCreationTime } from './process-times.js';
import { readProcessParameters } from './process-memory.js';
import { isHandle, win32 } from './win32-api.js';

const TOKEN_QUERY = 0x8;
const PROCESS_QUERY_INFORMATION = 0x400;
const PROCESS_VM_READ = 0x10;
const TOKEN_USER = 1;

/** The facts of the process open as `h`; fields that cannot be read say so instead of failing the scan. */
export function processFactsWin32(pid: number, h: bigint): ProcessFacts {
  const created = processCreationTime(pid);
  const ms = created === null ? 0 : fileTimeToMs(created);
  return {
    command: readProcessParameters(h)?.commandLine ?? `[${pid}]`,
    user: tokenUser(h) ?? 'unknown',
    // To 10 ms, as on Linux (the clock tick there).
    startedAt: new Date(ms - (ms % 10)).toISOString(),
  };
}

/** The command line of process `pid`, for lock files and messages (Platform.describeProcess); undefined when unreadable. */
export function describeProcessWin32(pid: number): string | undefined {
  const api = win32();
  const h = api.OpenProcess(PROCESS_QUERY_INFORMATION | PROCESS_VM_READ, false, pid) as bigint | null;
  if (!isHandle(h)) return undefined;
  try {
    return readProcessParameters(h)?.commandLine;
  } finally {
    api.CloseHandle(h);
  }
}

/** "DOMAIN\\name" of the account the process runs as, or null. */
function tokenUser(h: bigint): string | null {
  const api = win32();
  const token: (bigint | null)[] = [null];
  if (!api.OpenProcessToken(h, TOKEN_QUERY, token) || !isHandle(token[0] ?? null)) return null;
  try {
    const info = Buffer.alloc(256);
    if (!api.GetTokenInformation(token[0], TOKEN_USER, info, info.length, [0])) return null;
    // TOKEN_USER { SID_AND_ATTRIBUTES { PSID Sid; DWORD Attributes } }: the SID lies inside `info`.
    const sid = info.readBigUInt64LE(0);
    const name = Buffer.alloc(512);
    const domain = Buffer.alloc(512);
    const nameLen = [256];
    const domainLen = [256];
    if (!api.LookupAccountSidW(null, sid, name, nameLen, domain, domainLen, [0])) return null;
    const user = name.toString('utf16le', 0, (nameLen[0] as number) * 2);
    const dom = domain.toString('utf16le', 0, (domainLen[0] as number) * 2);
    return dom === '' ? user : `${dom}\\${user}`;
  } finally {
    api.CloseHandle(token[0]);
  }
}
