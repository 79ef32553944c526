// Writes what a command says: JSON lines in --json mode (events, then one result object), text
// otherwise, with a one-line progress display on a terminal.
import type { ProgressEvent, ServicePackError } from '../index.js';

export interface Output {
  json: boolean;
  event(e: ProgressEvent): void;
  line(text: string): void;
  result(command: string, exitCode: number, result: unknown): void;
  error(command: string, exitCode: number, err: ServicePackError): void;
}

export function createOutput(json: boolean, stdout: NodeJS.WriteStream = process.stdout, stderr: NodeJS.WriteStream = process.stderr): Output {
  const tty = !json && stderr.isTTY === true;
  let progressShown = false;
  const clearProgress = () => {
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
        case 'warning':
          clearProgress();
          return void stderr.write(`warning ${e.code}: ${e.message}\n`);
      }
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
      if (json) return void stdout.write(`${JSON.stringify({ type: 'result', command, ok: false, exitCode, error: err.toJSON() })}\n`);
      stderr.write(`servicepack ${command}: error ${err.code}: ${err.message}\n`);
      for (const m of mismatchesOf(err)) stderr.write(`  ${m.path}\n    expected ${m.expected}\n    actual   ${m.actual}\n`);
      stderr.write(`hint: ${err.hint}\n`);
      stderr.write(`(servicepack explain ${err.code} for more)\n`);
    },
  };
}

function mismatchesOf(err: ServicePackError): { path: string; expected: string; actual: string }[] {
  const d = err.details as { mismatches?: { path: string; expected: string; actual: string }[] };
  return Array.isArray(d.mismatches) ? d.mismatches : [];
}
