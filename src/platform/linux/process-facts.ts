// Linux process facts from /proc: command line, user, start time (boot clock + field 22 of stat), and
// the systemd unit and container read from /proc/PID/cgroup. Reads only.
import * as fs from 'node:fs';
import { hasErrno } from '../../errors/index.js';
import type { ProcessFacts } from '../holds.js';

/** USER_HZ: the unit of /proc/PID/stat times; 100 on every Linux architecture Node runs on. */
const TICKS_PER_SECOND = 100;

/**
 * Returns a facts reader. The user-name table and the boot time are read once and kept for
 * `cacheMs`, so a scan naming thousands of processes reads them once, not per process.
 */
export function processFactsReader(cacheMs = 1000): (pid: number) => ProcessFacts | null {
  let users: Map<number, string> | undefined;
  let boot: { at: number; ms: number } | undefined;
  const userName = (uid: number): string => {
    users ??= readUsers();
    return users.get(uid) ?? String(uid);
  };
  const bootMs = (): number => {
    const now = Date.now();
    if (boot === undefined || now - boot.at > cacheMs) boot = { at: now, ms: bootTimeMs() };
    return boot.ms;
  };
  // Processes of one service share one cgroup file: parse each distinct text once.
  let lastCgroup = '';
  let lastPlace: { unit?: string; container?: string } = {};
  const place = (cgroup: string) => {
    if (cgroup !== lastCgroup) {
      lastCgroup = cgroup;
      lastPlace = placeOf(cgroup);
    }
    return lastPlace;
  };
  return (pid) => {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ticks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
      // The owner of /proc/PID is the process's effective user (what ps shows as USER).
      const uid = fs.statSync(`/proc/${pid}`).uid;
      const cmdline = readOr(`/proc/${pid}/cmdline`, '').split('\0').filter((a) => a !== '').join(' ');
      const facts: ProcessFacts = {
        command: cmdline === '' ? `[${comm}]` : cmdline,
        user: userName(uid),
        startedAt: new Date(bootMs() + (ticks * 1000) / TICKS_PER_SECOND).toISOString(),
      };
      Object.assign(facts, place(readOr(`/proc/${pid}/cgroup`, '')));
      return facts;
    } catch (err) {
      if (hasErrno(err, 'ENOENT', 'ESRCH')) return null;
      throw err;
    }
  };
}

/**
 * Boot time on the wall clock, from /proc/uptime (10 ms resolution) rather than /proc/stat's btime
 * (whole seconds), so a process started just after a commit is not mistaken for one started before it.
 */
export function bootTimeMs(): number {
  const uptime = Number(fs.readFileSync('/proc/uptime', 'latin1').split(' ')[0]);
  return Date.now() - uptime * 1000;
}

/** The systemd unit and the container named by a /proc/PID/cgroup file (v2 line first, then v1 name=systemd). */
export function placeOf(cgroup: string): { unit?: string; container?: string } {
  const lines = cgroup.split('\n').filter((l) => l !== '');
  const v2 = lines.find((l) => l.startsWith('0::'))?.slice(3);
  const v1 = lines.find((l) => /^\d+:name=systemd:/.test(l));
  const main = v2 !== undefined && v2 !== '/' ? v2 : v1?.slice(v1.indexOf(':', v1.indexOf(':') + 1) + 1) ?? '';
  const out: { unit?: string; container?: string } = {};
  const unit = main.split('/').filter((s) => /\.(service|scope)$/.test(s)).at(-1);
  if (unit !== undefined) out.unit = unit;
  const container = containerOf(lines.join('\n'));
  if (container !== undefined) out.container = container;
  return out;
}

/** "runtime:id" from the cgroup paths container runtimes create; undefined for none recognised. */
function containerOf(paths: string): string | undefined {
  const oci = /(docker|libpod|crio|cri-containerd)[-/]([0-9a-f]{12,64})/.exec(paths);
  if (oci !== null) {
    const runtime = ({ libpod: 'podman', 'cri-containerd': 'containerd' } as Record<string, string>)[oci[1]!] ?? oci[1]!;
    return `${runtime}:${oci[2]!.slice(0, 12)}`;
  }
  const lxc = /\/lxc(?:\.payload)?[./]([^/\n]+)/.exec(paths);
  if (lxc !== null) return `lxc:${lxc[1]}`;
  const machine = /machine-([^/\n]+)\.scope/.exec(paths);
  return machine === null ? undefined : `machine:${machine[1]}`;
}

function readOr(file: string, fallback: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    if (hasErrno(err, 'EACCES', 'EPERM')) return fallback;
    throw err;
  }
}

function readUsers(): Map<number, string> {
  const users = new Map<number, string>();
  for (const line of readOr('/etc/passwd', '').split('\n')) {
    const [name, , uid] = line.split(':');
    if (name !== undefined && uid !== undefined && name !== '') users.set(Number(uid), name);
  }
  return users;
}
