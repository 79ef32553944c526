// Runs one command body: renders its result or its error (any error: see internal-error.ts) and sets
// the exit code. SIGINT/SIGTERM during the command: interrupts.ts.
import { asServicePackError } from './internal-error.js';
import { EXIT, exitCodeForError } from './exit-codes.js';
import { commandEnded, commandFinished, commandStarted } from './interrupts.js';
import { createOutput, type Output } from './output.js';

export interface CommandOutcome {
  result: unknown;
  /** The text output; a function is called only without --json (rendering 2,000 holders is not free). */
  lines: string[] | (() => string[]);
  exitCode?: number;
}

export type Json = { json?: boolean; quiet?: boolean };

/**
 * `critical`: the command changes the target through transactions, which poll `stopRequested` and roll
 * back on a signal; other commands end at once on a signal.
 */
export async function runCommand(command: string, opts: Json, work: (out: Output) => Promise<CommandOutcome> | CommandOutcome, critical = false): Promise<void> {
  const out = createOutput(opts.json === true);
  commandStarted(command, out, critical);
  try {
    let outcome: CommandOutcome | undefined;
    let failure: unknown;
    try {
      outcome = await work(out);
    } catch (err) {
      failure = err;
    }
    const { err, late } = commandFinished(outcome === undefined ? asServicePackError(failure) : undefined);
    if (err !== undefined) {
      const code = exitCodeForError(err);
      out.error(command, code, err);
      process.exitCode = code;
      return;
    }
    const { result, lines, exitCode = EXIT.ok } = outcome!;
    // The library reports a stop it saw too late itself (a warning event and `lateStop`).
    if (late !== null && (result as { lateStop?: string } | null)?.lateStop === undefined) out.event({ type: 'warning', code: 'INTERRUPTED', message: `${late} arrived after the point of no return: ${command} was finished, not stopped` });
    if (!out.json && opts.quiet !== true) for (const l of typeof lines === 'function' ? lines() : lines) out.line(l);
    out.result(command, exitCode, result);
    process.exitCode = exitCode;
  } finally {
    commandEnded();
  }
}
