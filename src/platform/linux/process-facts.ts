// Linux process facts from /proc: command line, user, start time (boot clock + field 22 of stat), and
// the systemd unit and container read from /proc/PID/cgroup. Reads only.
import * as fs from 'node:fs';
// Not errors/index.js: the scan's second thread loads this file, and the error table is not needed here.
import { hasErrno } from '../../errors/service-pack-error.js';
import type { ProcessFacts } from '../holds.js';
import { procReader, statOptions, type ProcReader } from './proc-reader.js';

/** USER_HZ: the unit of /proc/PID/stat times; 100 on every Linux architecture Node runs on. */
const TICKS_PER_SECOND = 100;

/**
 * Turns the raw reads of a process's facts into ProcessFacts: shared by the JavaScript reader below and
 * the native scan (native-scan.ts), which reads the same files. The user-name table is read once per
 * decoder, when first needed; a cgroup file equal to the previous one is not decoded again (processes
 * of one service share it). `bootMs` gives the boot time on the wall clock (bootTimeMs), read once per
 * scan so that every thread computes the same start times.
 */
export interface FactsDecoder {
  /** `cmdline` null: not permitted to read it; then, as for kernel threads, "[comm]". */
  facts(raw: { ticks: number; comm: string; uid: number; cmdline: Buffer | null; cgroup: Buffer | null }): ProcessFacts;
}

export function factsDecoder(bootMs: () => number): FactsDecoder {
  let users: Map<number, string> | undefined;
  let lastCgroup = Buffer.alloc(0);
  let lastPlace: { unit?: string; container?: string } = {};
  return {
    facts({ ticks, comm, uid, cmdline, cgroup }) {
      const command = cmdline === null ? '' : joinArguments(cmdline);
      users ??= readUsers();
      const facts: ProcessFacts = {
        command: command === '' ? `[${comm}]` : command,
        user: users.get(uid) ?? String(uid),
        startedAt: new Date(bootMs() + (ticks * 1000) / TICKS_PER_SECOND).toISOString(),
      };
      if (cgroup !== null) {
        if (!cgroup.equals(lastCgroup)) {
          lastCgroup = Buffer.from(cgroup);
          lastPlace = placeOf(cgroup.toString('utf8'));
        }
        Object.assign(facts, lastPlace);
      }
      return facts;
    },
  };
}

/**
 * Returns a facts reader: /proc/PID/{stat,cmdline,cgroup} and the owner of /proc/PID, decoded by
 * factsDecoder. The files are read into reused buffers: cmdline into its own, since it is decoded
 * (in place) only after cgroup is read.
 */
export function processFactsReader(bootMs: () => number): (pid: number) => ProcessFacts | null {
  const decoder = factsDecoder(bootMs);
  const read = procReader(4096, true);
  const readCmdline = procReader(4096, true);
  return (pid) => {
    const base = `/proc/${pid}`;
    try {
      const stat = read(`${base}/stat`);
      // The command name (field 2) may contain spaces and parentheses: fields resume after the last ')'.
      const open = stat.indexOf(0x28);
      const close = stat.lastIndexOf(0x29);
      const ticks = fieldAfter(stat, close + 2, 19);
      const comm = stat.toString('latin1', open + 1, close);
      // The owner of /proc/PID is the process's effective user (what ps shows as USER).
      const st = fs.statSync(base, statOptions);
      if (st === undefined) return null;
      const cmdline = readOrNull(readCmdline, `${base}/cmdline`);
      return decoder.facts({ ticks, comm, uid: st.uid, cmdline, cgroup: readOrNull(read, `${base}/cgroup`) });
    } catch (err) {
      if (hasErrno(err, 'ENOENT', 'ESRCH')) return null;
      throw err;
    }
  };
}

/** The number in the space-separated field `n` counted from `pos` (0: the field at `pos`). */
function fieldAfter(buf: Buffer, pos: number, n: number): number {
  let i = pos;
  for (let k = 0; k < n && i < buf.length; i++) if (buf[i] === 0x20) k++;
  let v = 0;
  for (let c = buf[i]!; c >= 48 && c <= 57; c = buf[++i]!) v = v * 10 + (c - 48);
  return v;
}

/** A cmdline file (NUL-terminated arguments) as one line: empty arguments dropped, one space between. */
function joinArguments(raw: Buffer): string {
  // In place: a separator is written only after at least one NUL was consumed, so writes never overtake reads.
  let w = 0;
  let separate = false;
  for (let r = 0; r < raw.length; r++) {
    const c = raw[r]!;
    if (c === 0) {
      separate = w > 0;
      continue;
    }
    if (separate) raw[w++] = 0x20;
    separate = false;
    raw[w++] = c;
  }
  return raw.toString('utf8', 0, w);
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

/** The bytes of `file`, or null when reading it is not permitted. */
function readOrNull(read: ProcReader, file: string): Buffer | null {
  try {
    return read(file);
  } catch (err) {
    if (hasErrno(err, 'EACCES', 'EPERM')) return null;
    throw err;
  }
}

function readUsers(): Map<number, string> {
  const users = new Map<number, string>();
  for (const line of (readOrNull((f) => fs.readFileSync(f), '/etc/passwd')?.toString('utf8') ?? '').split('\n')) {
    const [name, , uid] = line.split(':');
    if (name !== undefined && uid !== undefined && name !== '') users.set(Number(uid), name);
  }
  return users;
}
