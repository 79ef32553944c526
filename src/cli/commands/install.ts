// servicepack install <pack> --target <dir> [--dry-run] [--json]
import type { Command } from 'commander';
import * as lib from '../../index.js';
import { jsonOption, targetOption } from '../options.js';
import { renderInstall, renderPlan } from '../render-text.js';
import { runCommand, type Json } from '../run-command.js';

type Opts = Json & { target: string; dryRun?: boolean };

export function addInstall(program: Command): void {
  program.command('install').description('install a service pack into a target as one transaction').argument('<pack>')
    .addOption(targetOption())
    .option('--dry-run', 'print the plan and change nothing').addOption(jsonOption())
    .action((pack: string, o: Opts) => runCommand('install', o, (out) => {
      const r = lib.install(pack, { target: o.target, dryRun: o.dryRun === true, onEvent: out.event });
      return r.dryRun ? { result: r, lines: renderPlan(r) } : { result: r, lines: renderInstall(r) };
    }));
}
