// Runs a command without a shell (hooks, systemctl) and reports how it ended, with the tail of its output.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CommandOutcome, UnitManager } from '../holds.js';

const OUTPUT_TAIL = 4096;

export function runCommand(argv: readonly string[], opts: { cwd: string; env: Record<string, string>; timeoutMs: number }): CommandOutcome {
  const [file, ...args] = argv;
  if (file === undefined) return { argv: [], exitCode: null, signal: null, error: 'empty command', output: '' };
  const r = spawnSync(file, args, {
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: opts.timeoutMs,
    killSignal: 'SIGKILL',
    maxBuffer: 64 * 1024 * 1024,
  });
  const output = `${r.stdout?.toString('utf8') ?? ''}${r.stderr?.toString('utf8') ?? ''}`.slice(-OUTPUT_TAIL);
  const outcome: CommandOutcome = { argv: [...argv], exitCode: r.status, signal: r.signal, output };
  if (r.error !== undefined) {
    const code = (r.error as NodeJS.ErrnoException).code;
    outcome.error = code === 'ETIMEDOUT' ? `timed out after ${opts.timeoutMs} ms` : `${code ?? ''} ${r.error.message}`.trim();
  }
  return outcome;
}

/** systemctl on PATH and a running systemd (sd_booted: /run/systemd/system exists); checked without running anything. */
export function systemdUnitManager(): UnitManager {
  const onPath = (process.env.PATH ?? '').split(':').some((dir) => dir !== '' && isExecutable(path.join(dir, 'systemctl')));
  if (!onPath) return { available: false, reason: 'systemctl was not found on PATH' };
  if (!fs.existsSync('/run/systemd/system')) return { available: false, reason: 'this system is not running systemd (/run/systemd/system is missing)' };
  return { available: true };
}

function isExecutable(p: string): boolean {
  try {
    fs.accessSync(p, fs.constants.X_OK);
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

export function restartUnit(unit: string): CommandOutcome {
  return runCommand(['systemctl', 'restart', '--', unit], { cwd: '/', env: {}, timeoutMs: 120_000 });
}
