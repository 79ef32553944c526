#!/usr/bin/env node
// The servicepack command line: parses argv, calls one library function per command, renders text or
// --json. Each command lives in commands/.
import { Command, CommanderError } from 'commander';
import { addBuild } from './commands/build.js';
import { addDemo } from './commands/demo.js';
import { addExplain } from './commands/explain.js';
import { addInspect } from './commands/inspect.js';
import { addInstall } from './commands/install.js';
import { addHolders } from './commands/holders.js';
import { addKeygen } from './commands/keygen.js';
import { addTrust } from './commands/trust.js';
import { addTargetCommands } from './commands/target-commands.js';
import { addFleetRepo } from './commands/fleet-repo.js';
import { addSync } from './commands/sync.js';
import { EXIT, EXIT_CODES_HELP, exitCodeForError } from './exit-codes.js';
import { ServicePackError } from '../index.js';
import { asServicePackError } from './internal-error.js';
import { handleStopSignals } from './interrupts.js';
import { createOutput } from './output.js';

// A closed pipe (`servicepack ... | head`) ends output quietly instead of crashing.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
  process.exit(process.exitCode ?? 0);
});

/** Reports an error that escaped a command (or happened outside one) as its code, never as a stack trace. */
function reportEscaped(err: unknown): void {
  const e = asServicePackError(err);
  const code = exitCodeForError(e);
  try {
    createOutput(process.argv.includes('--json')).error('servicepack', code, e);
  } finally {
    process.exit(code);
  }
}
process.on('uncaughtException', reportEscaped);
handleStopSignals();

const json = process.argv.includes('--json');
const program = new Command('servicepack')
  .description('Build service packs and install them onto running installations: one crash-safe transaction, never stopped by files in use.')
  .version('0.1.0')
  .showHelpAfterError('(servicepack --help for usage)')
  .exitOverride()
  // Program options (--version) only before the command: `channel --version V` is the channel's own option.
  .enablePositionalOptions()
  // With --json, a usage error is the JSON result line (below), not commander's text.
  .configureOutput({ writeErr: (text) => { if (!json) process.stderr.write(text); } });
program.addHelpText('after', `
Examples:
  servicepack build release-5.5 release-sp4 --out sp4.svp --product exchange --from-version 5.5 --to-version SP4 --sign vendor.key
  servicepack inspect sp4.svp --trusted-key vendor.pub
  servicepack install sp4.svp --target /opt/exchange --trusted-key vendor.pub --dry-run
  servicepack install sp4.svp --target /opt/exchange --trusted-key vendor.pub
  servicepack status --target /opt/exchange
  servicepack history --target /opt/exchange
  servicepack uninstall --target /opt/exchange
  servicepack sync --target /opt/exchange --repo https://updates.example.com/exchange/ --root root.json
${EXIT_CODES_HELP}

servicepack <command> --help shows a command's options; servicepack explain <CODE> explains an error.`);
for (const add of [addBuild, addInspect, addInstall, addTargetCommands, addHolders, addKeygen, addTrust, addFleetRepo, addSync, addExplain, addDemo]) add(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (!(err instanceof CommanderError)) reportEscaped(err);
  else if (err.exitCode === 0) process.exitCode = EXIT.ok;
  else {
    if (json) createOutput(true).error(commandNamed(program), EXIT.usage, usageError(err));
    process.exitCode = EXIT.usage;
  }
}

/** The command the user named (the first argument that is one), for the --json result of a usage error. */
function commandNamed(root: Command): string {
  const names = new Set(root.commands.map((c) => c.name()));
  return process.argv.slice(2).find((a) => names.has(a)) ?? 'servicepack';
}

function usageError(err: CommanderError): ServicePackError<'USAGE'> {
  return new ServicePackError('USAGE', err.message.replace(/^error: /, ''), { hint: 'See servicepack --help, or servicepack <command> --help.', details: {} });
}

// The command is over and has written its result: leave now, once standard output and error are
// flushed (asynchronous pipes on Windows), instead of waiting for Node to tear down the whole heap
// and its threads first (several ms of every command: docs/benchmarks.md, "Per-install overhead").
// Not when writing failed: the stream's error (a full disk: INTERNAL_ERROR, exit 70) is reported first,
// on a later turn of the event loop than the callbacks; setImmediate runs after it.
process.stdout.write('', (outErr) => {
  if (outErr) return;
  process.stderr.write('', (errErr) => {
    if (!errErr) setImmediate(() => process.exit());
  });
});
