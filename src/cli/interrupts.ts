// SIGINT and SIGTERM end a command with a message and a --json result line (INTERRUPTED, exit 130 or
// 143), never silently. The library works synchronously, so a signal is seen here only when the event
// loop runs: during asynchronous work (build), or after a synchronous command has already written its
// result, which then stands (a transaction is never stopped half-way by this handler; see the
// library's `interrupted` option for how a transaction itself rolls back on a signal).
import { ServicePackError } from '../index.js';
import { EXIT } from './exit-codes.js';
import type { Output } from './output.js';

let running: { command: string; out: Output } | null = null;

export function commandStarted(command: string, out: Output): void {
  running = { command, out };
}

export function commandEnded(): void {
  running = null;
}

export function interruptedError(signal: string): ServicePackError<'INTERRUPTED'> {
  const exitCode = signal === 'SIGINT' ? EXIT.sigint : EXIT.sigterm;
  return new ServicePackError('INTERRUPTED', `stopped by ${signal}`, {
    hint: 'Nothing was left half-done: a transaction that had not reached its point of no return was rolled back. Run the command again when wanted.',
    details: { signal, exitCode },
  });
}

/** Reports SIGINT and SIGTERM as INTERRUPTED for the command running, then exits. */
export function reportSignals(): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      const err = interruptedError(signal);
      if (running !== null) {
        running.out.error(running.command, err.details.exitCode, err);
        process.exit(err.details.exitCode);
      }
      // The command already wrote its result: it stands, and so does its exit code.
      process.exit(process.exitCode ?? err.details.exitCode);
    });
  }
}
