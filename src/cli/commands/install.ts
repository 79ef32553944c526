// servicepack install <pack> --target <dir> [--trusted-key <pub>]... [--allow-unsigned] [--allow-downgrade] [--dry-run] [--restart-units] [--in-use-wait <ms>] [--json]
import type { Command } from 'commander';
import * as lib from '../../index.js';
import { EXIT } from '../exit-codes.js';
import { collect, inUseWaitOption, jsonOption, restartUnitsOption, targetOption } from '../options.js';
import { renderInstall, renderPlan } from '../render-text.js';
import { trustLine } from '../render-trust.js';
import { stopOptions } from '../interrupts.js';
import { runCommand, type Json } from '../run-command.js';

type Opts = Json & { target: string; inUseWait?: number; dryRun?: boolean; restartUnits?: boolean; trustedKey: string[]; allowUnsigned?: boolean; allowDowngrade?: boolean };

export function addInstall(program: Command): void {
  program.command('install').description('install a service pack into a target as one transaction').argument('<pack>')
    .addOption(targetOption())
    .option('--trusted-key <pub>', 'a public key file trusted for this install, besides the keys pinned for the target (repeatable)', collect, [])
    .option('--allow-unsigned', 'install even if no trusted key verifies the pack (reported as a warning)')
    .option('--allow-downgrade', 'install even if the pack\'s version is not newer than its base')
    .option('--dry-run', 'print the plan and who holds each file; change nothing')
    .addOption(restartUnitsOption()).addOption(inUseWaitOption()).addOption(jsonOption())
    .action((pack: string, o: Opts) => runCommand('install', o, async (out) => {
      const r = await lib.install(pack, {
        target: o.target, dryRun: o.dryRun === true, restartUnits: o.restartUnits === true, onEvent: out.event,
        trustedKey: o.trustedKey, allowUnsigned: o.allowUnsigned === true, allowDowngrade: o.allowDowngrade === true, ...stopOptions(),
        ...(o.inUseWait === undefined ? {} : { inUseWait: o.inUseWait }),
      });
      const trust = trustLine(r.trust, r.dryRun ? undefined : r.pinnedKey);
      if (r.dryRun) return { result: r, lines: [...renderPlan(r), trust] };
      return { result: r, lines: [...renderInstall(r), trust], exitCode: r.restartNeeded ? EXIT.restartNeeded : EXIT.ok };
    }, o.dryRun !== true));
}
