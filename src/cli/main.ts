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

const program = new Command('servicepack')
  .description('Build service packs and install them onto running installations: one crash-safe transaction, never stopped by files in use.')
  .version('0.1.0')
  .showHelpAfterError('(servicepack --help for usage)')
  .addHelpText('after', EXIT_CODES_HELP)
  .exitOverride()
  // Program options (--version) only before the command: `channel --version V` is the channel's own option.
  .enablePositionalOptions();
for (const add of [addBuild, addInspect, addInstall, addTargetCommands, addHolders, addKeygen, addTrust, addFleetRepo, addSync, addExplain, addDemo]) add(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exitCode = err.exitCode === 0 ? EXIT.ok : EXIT.usage;
  else reportEscaped(err);
}
