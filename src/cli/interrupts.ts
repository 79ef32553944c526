// SIGINT and SIGTERM end a command with a message and a --json result line (INTERRUPTED, exit 130 or
// 143), never silently. With the platform's synchronous signal handling (native/stop-signals.c):
// - a command that changes nothing, or has not begun to, ends at once with a message prepared when it
//   started;
// - a transaction (a critical section) only records the signal; the library polls it between steps and
//   rolls back, up to the point of no return; a signal after that point lets the command finish and is
//   reported as a warning.
// The library runs a command's work on a worker thread and reads the recorded signal there
// (`watchStopSignals`), or, for install and the fleet's sync, on this thread polling it (`onThisThread`). Without the module (it is not built), Node's listeners see a signal at once,
// since the event loop stays free: a critical command is asked to stop through an AbortSignal, and any
// other command ends with INTERRUPTED.
import { interruptedError, stopSignals, type ServicePackError, type StopSignals } from '../index.js';
import { exitCodeForError, exitCodeForSignal } from './exit-codes.js';
import { renderError, type Output } from './output.js';

let gate: StopSignals | null = null;
let running: { command: string; out: Output; critical: boolean; stop: AbortController; signal: string | null } | null = null;

/** Installs the handling of SIGINT and SIGTERM; call once, before any command runs. */
export function handleStopSignals(): void {
  gate = stopSignals();
  if (gate !== null) {
    // Until a command prepares its own message.
    const json = process.argv.includes('--json');
    const report = (signal: 'SIGINT' | 'SIGTERM') => renderError(json, 'servicepack', exitCodeForSignal(signal), interruptedError(signal));
    gate.watch({ SIGINT: report('SIGINT'), SIGTERM: report('SIGTERM') });
    return;
  }
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (running?.critical === true) {
        // The transaction rolls back (or, past its point of no return, finishes); commandFinished reports it.
        running.signal ??= signal;
        running.stop.abort(signal);
        return;
      }
      if (running !== null) running.out.error(running.command, exitCodeForSignal(signal), interruptedError(signal));
      // A command that already wrote its result keeps it, and its exit code.
      process.exit(running === null ? process.exitCode ?? exitCodeForSignal(signal) : exitCodeForSignal(signal));
    });
  }
}

/** A command starts: a signal now reports INTERRUPTED for it; `critical` commands defer signals (see above). */
export function commandStarted(command: string, out: Output, critical: boolean): void {
  running = { command, out, critical, stop: new AbortController(), signal: null };
  if (gate === null) return;
  const report = (signal: 'SIGINT' | 'SIGTERM') => renderError(out.json, command, exitCodeForSignal(signal), interruptedError(signal));
  gate.watch({ SIGINT: report('SIGINT'), SIGTERM: report('SIGTERM') });
  if (critical) gate.defer();
}

/** The library options that stop the running command's transaction for SIGINT and SIGTERM. */
export function stopOptions(): { signal?: AbortSignal; watchStopSignals: boolean } {
  return { ...(running === null ? {} : { signal: running.stop.signal }), watchStopSignals: gate !== null };
}

/**
 * The options that run a command's work on this thread, where that saves the start of a worker thread
 * and a second load of the code (about a tenth of an install's time: docs/benchmarks.md): possible when
 * the platform's synchronous signal handling records SIGINT and SIGTERM, which the work polls between
 * its steps. Null without it: then only a free event loop sees a signal, and the work needs the worker.
 */
export function onThisThread(): { stopRequested: () => string | null } | null {
  return gate === null ? null : { stopRequested };
}

/**
 * For work on this thread (the fleet's sync, install): the signal recorded for the running command, polled
 * between the steps of its transactions. Without the module a signal reaches Node's listener only once
 * the thread is free again, so this then reports what the listener recorded.
 */
export function stopRequested(): string | null {
  return gate?.pending() ?? running?.signal ?? null;
}

/**
 * The command's work is over (`err` if it failed): leaves the critical section, and returns the error to
 * report, which is INTERRUPTED when a signal arrived and the command failed with the target unchanged
 * (a pre hook killed by the same Ctrl-C fails too). `late` is a signal that came after the point of no
 * return of a command that then succeeded.
 */
export function commandFinished(err: ServicePackError | undefined): { err: ServicePackError | undefined; late: string | null } {
  const signal = gate?.resume() ?? running?.signal ?? null;
  // From here the command only writes its result: a signal now would cut it short, so it waits.
  gate?.defer();
  if (signal === null) return { err, late: null };
  if (err === undefined) return { err, late: signal };
  if (err.code !== 'INTERRUPTED' && exitCodeForError(err) === 1) {
    const e = interruptedError(signal);
    return { err: Object.assign(e, { cause: err }), late: null };
  }
  return { err, late: null };
}

export function commandEnded(): void {
  running = null;
}
