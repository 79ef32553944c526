// servicepack install <pack> --target <dir> [--dry-run] [--restart-units] [--json]
import type { Command } from 'commander';
import * as lib from '../../index.js';
import { EXIT } from '../exit-codes.js';
import { jsonOption, restartUnitsOption, targetOption } from '../options.js';
import { renderInstall, renderPlan } from '../render-text.js';
import { runCommand, type Json } from '../run-command.js';

type Opts = Json & { target: string; dryRun?: boolean; restartUnits?: boolean };

export function addInstall(program: Command): void {
  program.command('install').description('install a service pack into a target as one transaction').argument('<pack>')
    .addOption(targetOption())
    .option('--dry-run', 'print the plan and who holds each file; change nothing')
    .addOption(restartUnitsOption()).addOption(jsonOption())
    .action((pack: string, o: Opts) => runCommand('install', o, (out) => {
      const r = lib.install(pack, { target: o.target, dryRun: o.dryRun === true, restartUnits: o.restartUnits === true, onEvent: out.event });
      if (r.dryRun) return { result: r, lines: renderPlan(r) };
      return { result: r, lines: renderInstall(r), exitCode: r.restartNeeded ? EXIT.restartNeeded : EXIT.ok };
    }));
}
