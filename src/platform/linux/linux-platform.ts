// Linux: hard-link set-aside (the old path never disappears), directory fsync, /proc for processes and
// holders, systemctl for units.
import { readFileSync, readlinkSync } from 'node:fs';
import { hasErrno } from '../../errors/index.js';
import { nativeStopSignals } from './stop-signals.js';
import type { Platform } from '../platform.js';
import { restartUnit, runCommand, systemdUnitManager } from './run-command.js';
import { scanHolds } from './scan-holds.js';
import { stateDirProblem } from './state-dir-problem.js';
import { startWriteback } from './writeback.js';
import { backgroundHasher } from './hasher.js';

/** Field 22 of /proc/PID/stat (start time in clock ticks since boot): with the pid, it names one process. */
function processStartToken(pid: number): string | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch (err) {
    if (hasErrno(err, 'ENOENT', 'ESRCH')) return null;
    throw err;
  }
  // The command name (field 2) may contain spaces and parentheses: fields resume after the last ')'.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const state = rest[0];
  if (state === 'Z' || state === 'X') return null;
  const ticks = rest[19];
  return ticks === undefined ? null : `${bootId()}:${ticks}`;
}

let cachedBootId: string | undefined;

/**
 * The boot id makes a start-time token unique across reboots (a lock from before a power loss is
 * stale). It cannot change while this process runs, so it is read once.
 */
function bootId(): string {
  if (cachedBootId !== undefined) return cachedBootId;
  try {
    cachedBootId = readFileSync('/proc/sys/kernel/random/boot_id', 'latin1').trim();
  } catch (err) {
    if (!hasErrno(err, 'ENOENT', 'EACCES')) throw err;
    cachedBootId = 'unknown-boot';
  }
  return cachedBootId;
}

let cachedPidNamespace: string | null | undefined;

/**
 * e.g. "pid:[4026531836]", with the boot id: namespace inode numbers are reused after a reboot. A
 * process's own pid namespace never changes (unshare and setns move only its children), so it is read
 * once: the lock asks for it when taking a lock and again when judging another owner's.
 */
function pidNamespace(): string | null {
  if (cachedPidNamespace !== undefined) return cachedPidNamespace;
  try {
    cachedPidNamespace = `${bootId()}:${readlinkSync('/proc/self/ns/pid')}`;
  } catch (err) {
    if (!hasErrno(err, 'ENOENT', 'EACCES')) throw err;
    cachedPidNamespace = null;
  }
  return cachedPidNamespace;
}

function lockOwnerState(owner: { pid: number; start: string | null; ns?: string }): 'running' | 'gone' | 'unknown' {
  if (owner.ns !== undefined && owner.ns !== pidNamespace()) return owner.ns.startsWith(`${bootId()}:`) ? 'unknown' : 'gone';
  return owner.start !== null && processStartToken(owner.pid) === owner.start ? 'running' : 'gone';
}

function describeProcess(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ') || undefined;
  } catch (err) {
    if (hasErrno(err, 'ENOENT', 'ESRCH', 'EACCES')) return undefined;
    throw err;
  }
}

export function linuxPlatform(): Platform {
  return {
    name: 'linux', setAside: 'link', pathRules: 'posix', canFsyncDirectories: true, hasExecBit: true, canCreateSymlinks: true,
    inUseRetryDelaysMs: [], maxPathBytes: 4095, processStartToken, pidNamespace, lockOwnerState, describeProcess,
    scanHolds, scansPlacesByPath: true, now: () => Date.now(), runCommand, unitManager: systemdUnitManager, restartUnit, stopSignals: nativeStopSignals,
    stateDirProblem, startWriteback, backgroundHasher,
  };
}
