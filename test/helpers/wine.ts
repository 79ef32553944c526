// The Windows tier's harness: runs Windows processes under Wine from what scripts/setup-windows.sh put in
// .cache/windows/ — the CLI as node.exe with our bundle and the win32 zstd-napi addon, and the PE test
// programs (perfhost.exe with its four DLLs, holdopen.exe). Every file operation of a Windows test goes
// through these Windows processes: a Linux process would bypass Wine's sharing rules.
// A Windows process's stdout is a file, never a pipe (node.exe's first write to a Unix pipe fails).
// privateWine() gives a test file its own copy of the prefix (a simulated reboot there stops nobody
// else's processes) and runs the Windows platform's functions in node.exe (probe.mjs).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, copyFileSync, cpSync, existsSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { needs, needsSetup } from './tools.js';
import { tempDir } from './tree.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');
export const cache = join(root, '.cache/windows');
const nodeExe = join(cache, 'node/node.exe');
const app = join(cache, 'app');
export const pe = join(cache, 'pe');

/** Why the Windows tier cannot run here, or false when it can; `mingw` when the tests build PE files themselves. */
export function wineSkipReason(need: { mingw?: boolean } = {}): string | false {
  const tools = needs('wine', ...(need.mingw === true ? ['x86_64-w64-mingw32-gcc' as const] : []));
  if (tools !== false) return `${tools}, then npm run setup:windows`;
  return needsSetup('.cache/windows', existsSync(join(cache, 'ready')) && existsSync(join(app, 'node_modules/@koromix/koffi-win32-x64/win32_x64/koffi.node')), 'npm run setup:windows');
}

/**
 * Keeps the prefix's wineserver running between Windows processes (each start otherwise pays for
 * starting it again, ~1 s); stopWine() ends it and every Windows process still running.
 */
export function startWine(): void {
  spawnSync('wineserver', ['-p'], { env: wineEnv(), stdio: 'ignore' });
}

export function stopWine(): void {
  spawnSync('wineserver', ['-k'], { env: wineEnv(), stdio: 'ignore' });
  spawnSync('wineserver', ['-w'], { env: wineEnv(), stdio: 'ignore' });
}

export const wineEnv = (): NodeJS.ProcessEnv => ({ ...process.env, WINEPREFIX: join(cache, 'prefix'), WINEDEBUG: '-all' });

/** The Windows name of a Linux path: Wine's Z: drive is the Linux root. */
export const winPath = (p: string): string => `Z:${p.replaceAll('/', '\\')}`;

let appReady = false;
/** Copies the CLI bundle beside the win32 node_modules (once per test process): node.exe loads it from there. */
function prepareApp(): void {
  if (appReady) return;
  for (const f of readdirSync(join(root, 'dist/bundle'))) copyFileSync(join(root, 'dist/bundle', f), join(app, f));
  appReady = true;
}

export interface WinRun {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs a Windows program to its end (stdout and stderr through files), with CRLF turned into LF. */
export function runWin(exe: string, args: readonly string[], opts: { cwd?: string; timeoutMs?: number; env?: Record<string, string> } = {}): WinRun {
  const dir = tempDir('wine-run');
  const out = openSync(join(dir, 'out'), 'w');
  const err = openSync(join(dir, 'err'), 'w');
  try {
    const r = spawnSync('wine', [exe, ...args], {
      cwd: opts.cwd ?? dir, env: { ...wineEnv(), ...opts.env }, stdio: ['ignore', out, err], timeout: opts.timeoutMs ?? 120_000,
    });
    if (r.error !== undefined) throw r.error;
    const read = (f: string): string => readFileSync(join(dir, f), 'utf8').replaceAll('\r\n', '\n');
    return { status: r.status, signal: r.signal, stdout: read('out'), stderr: read('err') };
  } finally {
    closeSync(out);
    closeSync(err);
  }
}

/** Runs node.exe with `args` (a script and its arguments, or -e CODE). */
export function runNodeExe(args: readonly string[], opts: { cwd?: string; timeoutMs?: number; env?: Record<string, string> } = {}): WinRun {
  return runWin(nodeExe, args, opts);
}

/** Runs the servicepack CLI as a Windows process; paths in `args` must already be Windows paths. */
export function runCliWin(args: readonly string[], opts: { timeoutMs?: number; env?: Record<string, string>; preload?: string } = {}): WinRun {
  prepareApp();
  const preload = opts.preload === undefined ? [] : ['--require', winPath(opts.preload)];
  return runNodeExe([...preload, winPath(join(app, 'servicepack.js')), ...args], { cwd: app, ...opts });
}

/** What `--json` ends with: the result object, or the error. */
export interface CliOutcome {
  status: number | null;
  result: Record<string, unknown>;
  error: { code: string; message: string; details: Record<string, unknown> } | undefined;
  run: WinRun;
}

/** runCliWin with --json: the exit status and the final `result` line. */
export function runCliJson(args: readonly string[], opts: { timeoutMs?: number; env?: Record<string, string>; preload?: string } = {}): CliOutcome {
  const run = runCliWin([...args, '--json'], opts);
  const last = run.stdout.split('\n').filter((l) => l.startsWith('{"type":"result"')).at(-1);
  if (last === undefined) throw new Error(`no result from servicepack ${args.join(' ')}: status ${run.status}\n${run.stdout}\n${run.stderr}`);
  const line = JSON.parse(last) as { result?: Record<string, unknown>; error?: CliOutcome['error'] };
  return { status: run.status, result: line.result ?? {}, error: line.error, run };
}

/**
 * A preload for node.exe that terminates the process (TerminateProcess: no clean-up, like kill -9) right
 * before its Nth fs.renameSync call, N from SERVICEPACK_TEST_KILL_AT_RENAME; with 0 it only counts, and
 * writes the count of renames to SERVICEPACK_TEST_RENAME_COUNT at exit. Counting renames is what makes
 * the kill points deterministic: every set-aside, swap and atomic write is one synchronous rename.
 */
export function killAtRenamePreload(): string {
  const file = join(tempDir('wine-kill'), 'kill-at-rename.cjs');
  writeFileSync(file, `const fs = require('node:fs');
const n = Number(process.env.SERVICEPACK_TEST_KILL_AT_RENAME);
let count = 0;
const renameSync = fs.renameSync;
fs.renameSync = function (from, to) {
  if (++count === n) process.kill(process.pid, 'SIGKILL');
  return renameSync(from, to);
};
require('node:module').syncBuiltinESMExports();
process.on('exit', () => { if (process.env.SERVICEPACK_TEST_RENAME_COUNT) renameSync.call(fs, writeCount(), process.env.SERVICEPACK_TEST_RENAME_COUNT); });
function writeCount() { const t = process.env.SERVICEPACK_TEST_RENAME_COUNT + '.tmp'; fs.writeFileSync(t, String(count)); return t; }
`);
  return file;
}

/** A Windows program left running (perfhost.exe, holdopen.exe): its output file, and how to stop it. */
export interface WinProcess {
  child: ChildProcess;
  /** The Windows process id it printed with "ready". */
  winPid: number;
  /** Its stdout so far, split into complete lines. */
  lines(): string[];
  /** Creates its stop file and waits for it to exit. */
  stop(): Promise<void>;
  exited: Promise<number | null>;
}

/** Starts `exe args... STOPFILE` and waits until it prints "ready <pid>". */
export async function startWin(exe: string, args: readonly string[]): Promise<WinProcess> {
  const dir = tempDir('wine-proc');
  const outFile = join(dir, 'out');
  const stopFile = join(dir, 'stop');
  const out = openSync(outFile, 'w');
  const child = spawn('wine', [exe, ...args, winPath(stopFile)], { cwd: dir, env: wineEnv(), stdio: ['ignore', out, out] });
  closeSync(out);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let ended = false;
  void exited.then(() => { ended = true; });
  const lines = (): string[] => {
    const text = readFileSync(outFile, 'utf8').replaceAll('\r\n', '\n');
    return text.split('\n').slice(0, -1);
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    const ready = lines().find((l) => l.startsWith('ready '));
    if (ready !== undefined) {
      return {
        child, winPid: Number(ready.slice(6)), lines, exited,
        async stop(): Promise<void> {
          // The stop file is the test's own, outside every target: a Linux write is fine here.
          if (!ended) writeFileSync(stopFile, 'stop\n');
          await exited;
        },
      };
    }
    if (ended || Date.now() > deadline) throw new Error(`${exe} did not get ready: ${lines().join('\n')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A simulated reboot: every Windows process of the prefix is killed, then Wine starts again (running
 * the pending file operations a real boot would run). */
export function rebootWine(): void {
  stopWine();
  startWine();
  runWin('cmd', ['/c', 'ver']);
}

export const fixtureDir = join(root, 'test/fixtures/win32-holders');

let probeReady = false;
/**
 * Copies the compiled sources (dist/src) and probe.mjs into the app directory, so node.exe resolves koffi
 * and zstd-napi from the win32 node_modules there (once per test process).
 */
function prepareProbe(): string {
  const probe = join(app, 'test/fixtures/win32-holders/probe.mjs');
  if (probeReady) return probe;
  rmSync(join(app, 'dist'), { recursive: true, force: true });
  cpSync(join(root, 'dist/src'), join(app, 'dist/src'), { recursive: true });
  cpSync(join(fixtureDir, 'probe.mjs'), probe);
  probeReady = true;
  return probe;
}

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

/** A private copy of the tier's prefix under `dir`. */
export function privateWine(dir: string): Wine {
  const prefix = join(dir, 'prefix');
  cpSync(join(cache, 'prefix'), prefix, { recursive: true, verbatimSymlinks: true });
  const env = { ...process.env, WINEPREFIX: prefix, WINEDEBUG: '-all' };
  let probes = 0;
  const run = (exe: string, args: readonly string[], log: string): number | null => {
    const fd = openSync(log, 'a');
    try {
      return spawnSync('wine', [exe, ...args], { env, stdio: ['ignore', fd, fd], timeout: 120_000 }).status;
    } finally {
      closeSync(fd);
    }
  };
  const kill = (): void => {
    spawnSync('wineserver', ['-k'], { env, stdio: 'ignore' });
    spawnSync('wineserver', ['-w'], { env, stdio: 'ignore' });
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
      const status = run(nodeExe, [winPath(prepareProbe()), winPath(out), command, ...args], join(work, 'probe.log'));
      if (!existsSync(out)) throw new Error(`probe ${command} wrote nothing (exit ${status}); see ${join(work, 'probe.log')}`);
      const result = JSON.parse(readFileSync(out, 'utf8')) as { ok: T } | { error: string };
      if ('error' in result) throw new Error(`probe ${command} failed: ${result.error}`);
      return result.ok;
    },
    reboot(log) {
      kill();
      run('cmd', ['/c', 'exit'], log);
    },
    dispose() {
      kill();
      rmSync(prefix, { recursive: true, force: true });
    },
  };
}

/** Compiles a C fixture of test/fixtures/win32-holders/ with mingw-w64 into `out` (a .exe, or a .dll with `-shared`). */
export function mingw(source: string, out: string, flags: readonly string[] = []): void {
  const r = spawnSync('x86_64-w64-mingw32-gcc', ['-O2', ...flags, '-o', out, join(fixtureDir, source)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`mingw ${source} failed: ${r.stderr}`);
}
