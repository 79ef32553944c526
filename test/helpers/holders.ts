// Real holder processes for tests: each one really holds a file (runs it, maps it, has it open, sits in
// it) until stopped; every process started here is killed by stopAll(), whatever happened.
import { spawn, type ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import type { Holder } from '../../src/index.js';

export interface Started {
  pid: number;
  child: ChildProcess;
}

const running: ChildProcess[] = [];

/** Spawns `cmd args` (cwd: the temp dir unless given) and resolves once its stdout contains `marker`. */
export function startProcess(cmd: string, args: string[], opts: { cwd?: string; marker?: string } = {}): Promise<Started> {
  const child = spawn(cmd, args, { cwd: opts.cwd ?? tmpdir(), stdio: ['pipe', 'pipe', 'pipe'] });
  running.push(child);
  const marker = opts.marker ?? 'ready';
  let out = '';
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes(marker)) resolve({ pid: child.pid!, child });
    });
    child.once('exit', (code, signal) => reject(new Error(`${cmd} exited (${code ?? signal}) before "${marker}": ${err}`)));
  });
}

/** Kills one process and waits until it is gone. */
export async function stop(p: Started | ChildProcess): Promise<void> {
  const child = 'child' in p ? p.child : p;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGKILL');
  await exited;
}

export async function stopAll(): Promise<void> {
  await Promise.all(running.splice(0).map((c) => stop(c)));
}

/** Polls `fn` until it returns true (processes need a moment to exec); false after `ms`. */
export async function eventually(fn: () => boolean, ms = 5000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (fn()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return fn();
}

/** The identifying part of a holder, for exact comparisons. */
export const brief = (h: Pick<Holder, 'pid' | 'kind' | 'path'>): string => `${h.pid} ${h.kind} ${h.path}`;

/** The holders in `list` that belong to `pids` (the machine runs other processes too). */
export function mine<T extends { pid: number }>(list: readonly T[], pids: readonly number[]): T[] {
  return list.filter((h) => pids.includes(h.pid));
}
