// Writes what a command says: JSON lines in --json mode (events, then one result object), text
// otherwise, with a one-line progress display (or a progress bar for bytes) on a terminal.
import type { BuildProgress, HealthCheckResult, ProgressEvent, ServicePackError } from '../index.js';
import { startProgressBar, type ProgressBar } from './progress-bar.js';

/** Progress of work measured in bytes (build's encoding): a bar on a terminal, an event line in --json. */
export type ByteProgress = BuildProgress;

export interface Output {
  json: boolean;
  event(e: ProgressEvent): void;
  progress(e: ByteProgress): void;
  line(text: string): void;
  result(command: string, exitCode: number, result: unknown): void;
  error(command: string, exitCode: number, err: ServicePackError): void;
}

export function createOutput(json: boolean, stdout: NodeJS.WriteStream = process.stdout, stderr: NodeJS.WriteStream = process.stderr): Output {
  const tty = !json && stderr.isTTY === true;
  let progressShown = false;
  let bar: ProgressBar | undefined;
  const clearProgress = () => {
    bar?.stop();
    bar = undefined;
    if (progressShown) stderr.write('\r\x1b[K');
    progressShown = false;
  };
  const progress = (text: string) => {
    if (!tty) return;
    stderr.write(`\r\x1b[K${text.slice(0, (stderr.columns ?? 80) - 1)}`);
    progressShown = true;
  };
  return {
    json,
    event(e) {
      if (json) return void stdout.write(`${JSON.stringify(e)}\n`);
      switch (e.type) {
        case 'phase': return progress(`${e.phase}...`);
        case 'staged': return progress(`stage ${e.done}/${e.total} ${e.path}`);
        case 'step': return progress(`commit ${e.done}/${e.total} ${e.path}`);
        case 'recovered':
          clearProgress();
          return void stderr.write(`recovered an interrupted ${e.kind} (${e.txid}): ${e.outcome}\n`);
        case 'lock-taken-over':
          clearProgress();
          return void stderr.write(`took over a stale lock left by process ${e.fromPid}\n`);
        case 'sync':
          clearProgress();
          return void stderr.write(`${e.message}\n`);
        case 'warning':
          clearProgress();
          return void stderr.write(`warning ${e.code}: ${e.message}\n`);
        case 'health-check':
          if (e.ok) return progress(`health ${e.check}: ok`);
          clearProgress();
          return void stderr.write(`health check ${e.phase === 'trial' ? '' : '(after the roll-back) '}${e.check} failed: ${e.reason ?? ''}\n`);
        case 'trial':
          if (e.outcome === 'started') return progress('on trial: running the health checks...');
          clearProgress();
          return void stderr.write(`trial ${e.txid}: ${e.outcome}${e.reason === undefined ? '' : ` (${e.reason})`}\n`);
      }
    },
    progress(e) {
      if (json) return void stdout.write(`${JSON.stringify(e)}\n`);
      if (!tty) return;
      bar ??= startProgressBar('encode', stderr);
      bar.update(e.bytes, e.totalBytes);
    },
    line(text) {
      if (json) return;
      clearProgress();
      stdout.write(`${text}\n`);
    },
    result(command, exitCode, result) {
      clearProgress();
      if (json) stdout.write(`${JSON.stringify({ type: 'result', command, ok: exitCode === 0 || exitCode === 3, exitCode, result })}\n`);
    },
    error(command, exitCode, err) {
      clearProgress();
      const { fd, text } = renderError(json, command, exitCode, err);
      (fd === 1 ? stdout : stderr).write(text);
    },
  };
}

/** What `Output.error` writes, and where (1: the --json result line on stdout; 2: text on stderr). */
export function renderError(json: boolean, command: string, exitCode: number, err: ServicePackError): { fd: 1 | 2; text: string } {
  // `changed`, `failed` and `msg` are what Ansible reads from a module's result (docs/fleet.md).
  if (json) return { fd: 1, text: `${JSON.stringify({ type: 'result', command, ok: false, exitCode, changed: false, failed: true, msg: `${err.code}: ${err.message}`, error: err.toJSON() })}\n` };
  const lines = [
    `${command === 'servicepack' ? command : `servicepack ${command}`}: error ${err.code}: ${err.message}`,
    ...mismatchesOf(err).map((m) => `  ${m.path}\n    expected ${m.expected}\n    actual   ${m.actual}`),
    ...healthChecksOf(err),
    ...hookOutputOf(err),
    `hint: ${err.hint}`,
    `(servicepack explain ${err.code} for more)`,
  ];
  return { fd: 2, text: `${lines.join('\n')}\n` };
}

function mismatchesOf(err: ServicePackError): { path: string; expected: string; actual: string }[] {
  const d = err.details as { mismatches?: { path: string; expected: string; actual: string }[] };
  return Array.isArray(d.mismatches) ? d.mismatches : [];
}

/** For HEALTH_FAILED: each check's last result in the trial, and how the version put back fared. */
function healthChecksOf(err: ServicePackError): string[] {
  if (err.code !== 'HEALTH_FAILED') return [];
  const d = (err as ServicePackError<'HEALTH_FAILED'>).details;
  const line = (r: HealthCheckResult) => `  ${r.ok ? 'passed' : 'FAILED'} ${r.check}${r.ok ? '' : ` (${r.reason})`}`;
  return [`checks of ${d.failedVersion} (last result of each):`, ...d.failed.map(line), `checks of ${d.version} after the roll-back:`, ...d.afterRollBack.map(line)];
}

/** A failed hook's captured output (its last 4 KiB), shown under the error. */
function hookOutputOf(err: ServicePackError): string[] {
  if (err.code !== 'HOOK_FAILED') return [];
  const output = (err.details as { output?: unknown }).output;
  if (typeof output !== 'string') return [];
  const text = output.replace(/\n$/, '');
  return text === '' ? ['  (the hook printed nothing)'] : ['  its output:', ...text.split('\n').map((l) => `  | ${l}`)];
}
