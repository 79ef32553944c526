// servicepack uninstall | status | recover | verify --target <dir> [--json]
import type { Command } from 'commander';
import * as lib from '../../index.js';
import { EXIT } from '../exit-codes.js';
import { inUseWaitOption, jsonOption, restartUnitsOption, targetOption } from '../options.js';
import { renderCleanup, renderRecover, renderStatus, renderUninstall, renderVerify } from '../render-text.js';
import { stopOptions } from '../interrupts.js';
import { runCommand, type CommandOutcome, type Json } from '../run-command.js';

type Opts = Json & { target: string; restartUnits?: boolean; inUseWait?: number };

/** `critical`: the command changes the target (see runCommand). */
function addTargetCommand(program: Command, name: string, description: string, work: (o: lib.TransactionOptions) => Promise<CommandOutcome>, critical = false): Command {
  return program.command(name).description(description).addOption(targetOption()).addOption(jsonOption())
    .action((o: Opts) => runCommand(name, o, (out) => work({
      target: o.target, onEvent: out.event, ...stopOptions(),
      // Only uninstall has these flags; the other commands refuse options they do not take.
      ...(name === 'uninstall' ? { restartUnits: o.restartUnits === true } : {}),
      ...(o.inUseWait === undefined ? {} : { inUseWait: o.inUseWait }),
    }), critical));
}

export function addTargetCommands(program: Command): void {
  addTargetCommand(program, 'uninstall', 'remove the most recently installed service pack', async (o) => {
    const r = await lib.uninstall(o);
    return { result: r, lines: () => renderUninstall(r), exitCode: r.restartNeeded ? EXIT.restartNeeded : EXIT.ok };
  }, true).addOption(restartUnitsOption()).addOption(inUseWaitOption());
  addTargetCommand(program, 'cleanup', 'remove set-aside files that are no longer needed nor held', async (o) => {
    const r = await lib.cleanup(o);
    return { result: r, lines: () => renderCleanup(r) };
  }, true);
  addTargetCommand(program, 'status', 'product, version, installed service packs, pending work', async (o) => {
    const r = await lib.status(o);
    // A pending transaction is reported, and exits 4 like every command that meets one.
    return { result: r, lines: () => renderStatus(r), exitCode: r.pending === null ? EXIT.ok : EXIT.recoveryNeeded };
  });
  addTargetCommand(program, 'verify', 'list files that differ from what was installed (exit 1 when any do)', async (o) => {
    const r = await lib.verify(o);
    return { result: r, lines: () => renderVerify(r), exitCode: r.ok ? EXIT.ok : EXIT.failed };
  });
  addTargetCommand(program, 'recover', 'finish or roll back an interrupted transaction', async (o) => {
    const r = await lib.recover(o);
    return { result: r, lines: () => renderRecover(r) };
  }, true);
}
