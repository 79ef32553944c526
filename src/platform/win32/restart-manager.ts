// Holder source: Windows Restart Manager (RmStartSession, RmRegisterResources, RmGetList), which
// also knows what the other sources cannot: the application's name, the service, whether it can be
// restarted, and why a reboot would be needed. It takes paths, so the keys are turned into their
// current paths first (OpenFileById). Under Wine it is a stub that lists no process: the scan skips it
// there, so nothing here is verified by the Wine tests except that the calls are made correctly.
import { pathOfKey } from './file-identity.js';
import type { ScanState } from './scan-state.js';
import { win32 } from './win32-api.js';

const CCH_RM_SESSION_KEY = 32;
const RM_INFO_BYTES = 668;
const ERROR_MORE_DATA = 234;

const APP_TYPES: Record<number, string> = {
  0: 'unknown', 1: 'main-window', 2: 'other-window', 3: 'service', 4: 'explorer', 5: 'console', 1000: 'critical',
};
const REBOOT_REASONS: [number, string][] = [
  [1, 'permission-denied'], [2, 'session-mismatch'], [4, 'critical-process'], [8, 'critical-service'], [16, 'detected-self'],
];

/** What Restart Manager tells about one process holding one of the files. */
export interface RestartManagerEntry {
  pid: number;
  /** Its creation time (FILETIME), which Restart Manager uses with the pid to name the process. */
  startTime: bigint;
  application: string;
  service?: string;
  type: string;
  restartable: boolean;
  /** Why restarting the holders would need a reboot instead (for the whole list), when it would. */
  rebootReasons: string[];
}

/** The processes Restart Manager says hold any of `paths` ([] under Wine, whose Restart Manager is a stub). */
export function listRestartManagerHolders(paths: readonly string[]): RestartManagerEntry[] {
  const api = win32();
  if (paths.length === 0) return [];
  const session = [0];
  const key = Buffer.alloc((CCH_RM_SESSION_KEY + 1) * 2);
  const started = api.RmStartSession(session, 0, key) as number;
  if (started !== 0) throw new Error(`RmStartSession failed: error ${started}`);
  try {
    const registered = api.RmRegisterResources(session[0], paths.length, [...paths], 0, null, 0, null) as number;
    if (registered !== 0) throw new Error(`RmRegisterResources failed: error ${registered}`);
    let capacity = 16;
    for (;;) {
      const needed = [0];
      const count = [capacity];
      const reasons = [0];
      const infos = Buffer.alloc(capacity * RM_INFO_BYTES);
      const status = api.RmGetList(session[0], needed, count, infos, reasons) as number;
      if (status === ERROR_MORE_DATA) {
        capacity = (needed[0] as number) + 8;
        continue;
      }
      if (status !== 0) throw new Error(`RmGetList failed: error ${status}`);
      const rebootReasons = REBOOT_REASONS.filter(([bit]) => ((reasons[0] as number) & bit) !== 0).map(([, name]) => name);
      const out: RestartManagerEntry[] = [];
      for (let i = 0; i < (count[0] as number); i++) {
        // RM_PROCESS_INFO: RM_UNIQUE_PROCESS { pid, FILETIME start }, strAppName[256], strServiceShortName[64],
        // ApplicationType, AppStatus, TSSessionId, bRestartable.
        const at = i * RM_INFO_BYTES;
        const service = cString(infos, at + 524, 64);
        out.push({
          pid: infos.readUInt32LE(at),
          startTime: (BigInt(infos.readUInt32LE(at + 8)) << 32n) | BigInt(infos.readUInt32LE(at + 4)),
          application: cString(infos, at + 12, 256),
          ...(service !== '' ? { service } : {}),
          type: APP_TYPES[infos.readInt32LE(at + 652)] ?? 'unknown',
          restartable: infos.readInt32LE(at + 664) !== 0,
          rebootReasons,
        });
      }
      return out;
    }
  } finally {
    api.RmEndSession(session[0]);
  }
}

/**
 * The source: Restart Manager tells which processes hold any of the registered files, not which file
 * each holds (one session per file would, at tens of milliseconds each). So it contributes facts: the
 * holds come from the module and handle sources, and a process it lists that those could not open is
 * already in `uninspectable`.
 */
export function scanRestartManager(state: ScanState): void {
  const wanted = new Set(state.pids);
  const paths: string[] = [];
  const volumeRoots = volumeHints();
  for (const key of state.keys) {
    const path = pathOfKey(key, volumeRoots);
    if (path !== null) paths.push(path);
  }
  for (const e of listRestartManagerHolders(paths)) {
    if (!wanted.has(e.pid)) continue;
    state.extra.set(e.pid, {
      restartManager: { application: e.application, type: e.type, restartable: e.restartable, ...(e.rebootReasons.length > 0 ? { rebootReasons: e.rebootReasons } : {}) },
      ...(e.service !== undefined ? { unit: e.service } : {}),
    });
  }
}

/** The root of every drive: any handle on a volume is an OpenFileById hint on Windows. */
function volumeHints(): string[] {
  const mask = win32().GetLogicalDrives() as number;
  const out: string[] = [];
  for (let i = 0; i < 26; i++) if ((mask >>> i) & 1) out.push(`${String.fromCharCode(65 + i)}:\\`);
  return out;
}

function cString(buf: Buffer, at: number, chars: number): string {
  const s = buf.toString('utf16le', at, at + chars * 2);
  const end = s.indexOf('\0');
  return end < 0 ? s : s.slice(0, end);
}
