// Runs one command body: renders its result or its error (any error: see internal-error.ts) and sets
// the exit code. Signals during the command are reported by interrupts.ts.
import { asServicePackError } from './internal-error.js';
import { EXIT, exitCodeForError } from './exit-codes.js';
import { commandStarted, commandEnded } from './interrupts.js';
import { createOutput, type Output } from './output.js';

export interface CommandOutcome {
  result: unknown;
  /** The text output; a function is called only without --json (rendering 2,000 holders is not free). */
  lines: string[] | (() => string[]);
  exitCode?: number;
}

export type Json = { json?: boolean };

export async function runCommand(command: string, opts: Json, work: (out: Output) => Promise<CommandOutcome> | CommandOutcome): Promise<void> {
  const out = createOutput(opts.json === true);
  commandStarted(command, out);
  try {
    const { result, lines, exitCode = EXIT.ok } = await work(out);
    if (!out.json) for (const l of typeof lines === 'function' ? lines() : lines) out.line(l);
    out.result(command, exitCode, result);
    process.exitCode = exitCode;
  } catch (err) {
    const e = asServicePackError(err);
    const code = exitCodeForError(e);
    out.error(command, code, e);
    process.exitCode = code;
  } finally {
    commandEnded();
  }
}
