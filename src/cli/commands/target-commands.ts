// servicepack uninstall | cleanup | status | verify | recover --target <dir> [--json]
import type { Command } from 'commander';
import * as lib from '../../index.js';
import { EXIT } from '../exit-codes.js';
import { confirm } from '../confirm.js';
import { humanBytes } from '../human-size.js';
import { intArg, inUseWaitOption, jsonOption, quietOption, restartUnitsOption, targetOption, verboseOption } from '../options.js';
import { renderCleanup, renderHistory, renderRecover, renderStatus, renderUninstall, renderUninstallPlan, renderVerify } from '../render-text.js';
import { stopOptions } from '../interrupts.js';
import { runCommand, type CommandOutcome, type Json } from '../run-command.js';

export type TargetOpts = Json & { target: string; restartUnits?: boolean; inUseWait?: number; dryRun?: boolean; verbose?: boolean; prune?: number; yes?: boolean };
type Work = (o: lib.TargetOptions, cli: TargetOpts) => CommandOutcome | Promise<CommandOutcome>;

/** `critical` (given the options): the command changes the target (see runCommand). */
export function addTargetCommand(program: Command, name: string, description: string, work: Work, critical: (o: TargetOpts) => boolean = () => false): Command {
  return program.command(name).description(description).addOption(targetOption()).addOption(jsonOption())
    .action((o: TargetOpts) => runCommand(name, o, (out) => work({ target: o.target, onEvent: out.event, ...stopOptions() }, o), critical(o)));
}

const dryRunOption = (what: string) => ['--dry-run', `check and print what ${what} would do; change nothing`] as const;

export function addTargetCommands(program: Command): void {
  addTargetCommand(program, 'uninstall', 'remove the most recently installed service pack', async (o, c) => {
    const verbose = c.verbose === true;
    // Only uninstall has these flags; the other commands refuse options they do not take.
    const t = { ...o, restartUnits: c.restartUnits === true, ...(c.inUseWait === undefined ? {} : { inUseWait: c.inUseWait }) };
    if (c.dryRun === true) {
      const p = await lib.uninstall({ ...t, dryRun: true });
      return { result: p, lines: () => renderUninstallPlan(p, verbose) };
    }
    const r = await lib.uninstall(t);
    return { result: r, lines: () => renderUninstall(r, verbose), exitCode: r.restartNeeded ? EXIT.restartNeeded : EXIT.ok };
  }, (o) => o.dryRun !== true).option(...dryRunOption('the uninstall')).addOption(restartUnitsOption()).addOption(inUseWaitOption()).addOption(verboseOption()).addOption(quietOption())
    .addHelpText('after', `
Examples:
  servicepack uninstall --target /opt/exchange --dry-run
  servicepack uninstall --target /opt/exchange

Exit codes: 0 done, 1 failed (the target is unchanged; NOT_MANAGED, NOTHING_TO_UNINSTALL, BACKUP_PRUNED ...),
2 usage, 3 done but processes still run the old version, 4 a transaction is pending (run recover).`);
  addTargetCommand(program, 'cleanup', 'remove set-aside files that are no longer needed nor held; --prune gives up old uninstall backups', async (o, c) => {
    const keep = c.prune === undefined ? {} : { prune: c.prune };
    if (c.prune !== undefined && c.dryRun !== true && c.json !== true && c.yes !== true) {
      const plan = await lib.cleanup({ ...o, ...keep, dryRun: true });
      if (plan.pruned.length > 0) {
        await confirm(`Give up the uninstall backups of ${plan.pruned.length} service pack(s) (${humanBytes(plan.bytesFreed)} to free)? They can no longer be uninstalled.`, 'cleanup --prune');
      }
    }
    const r = await lib.cleanup({ ...o, ...keep, dryRun: c.dryRun === true });
    return { result: r, lines: () => renderCleanup(r, c.verbose === true) };
  }, (o) => o.dryRun !== true).option(...dryRunOption('the clean-up'))
    .option('--prune <n>', 'give up the uninstall backups of all but the newest N installed service packs (asks first in text mode)', intArg('--prune'))
    .option('--yes', 'confirm --prune without a question')
    .addOption(verboseOption()).addOption(quietOption())
    .addHelpText('after', `
Examples:
  servicepack cleanup --target /opt/exchange --dry-run
  servicepack cleanup --target /opt/exchange --prune 2          # asks, then keeps the backups of the 2 newest packs
  servicepack cleanup --target /opt/exchange --prune 0 --yes    # no uninstall backups at all

Exit codes: 0 done, 1 failed, 2 usage (also: --prune not confirmed), 4 a transaction is pending.`);
  addTargetCommand(program, 'status', 'product, version, installed service packs, pending work', async (o) => {
    const r = await lib.status(o);
    // A pending transaction is reported, and exits 4 like every command that meets one; so is a trial
    // nobody runs any more, which the next command rolls back.
    const pending = r.pending !== null || r.trial?.running === false;
    return { result: r, lines: () => renderStatus(r), exitCode: pending ? EXIT.recoveryNeeded : EXIT.ok };
  });
  addTargetCommand(program, 'history', 'the history log: every install, uninstall, recovery and prune, with failed hooks\' output', async (o) => {
    const r = await lib.history(o);
    return { result: r, lines: () => renderHistory(r) };
  });
  addTargetCommand(program, 'verify', 'list files that differ from what was installed (exit 1 when any do)', async (o) => {
    const r = await lib.verify(o);
    return { result: r, lines: () => renderVerify(r), exitCode: r.ok ? EXIT.ok : EXIT.failed };
  });
  addTargetCommand(program, 'recover', 'finish or roll back an interrupted transaction', async (o) => {
    const r = await lib.recover(o);
    return { result: r, lines: () => renderRecover(r) };
  }, () => true);
}
