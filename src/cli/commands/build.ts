// servicepack build <old-dir> <new-dir> --out <pack> [--product ID] [--from-version V] [--to-version V]
//   [--pre-hook CMD] [--post-hook CMD]
import type { Command } from 'commander';
import * as lib from '../../index.js';
import { hookArg, intArg, jsonOption } from '../options.js';
import { renderBuild } from '../render-text.js';
import { runCommand, type Json } from '../run-command.js';

type Opts = Json & { out: string; product?: string; fromVersion: string; toVersion: string; level: number; preHook?: string[]; postHook?: string[] };

export function addBuild(program: Command): void {
  program.command('build').description('build a service pack from two release trees')
    .argument('<old-dir>').argument('<new-dir>')
    .requiredOption('--out <pack>', 'the pack file to write')
    .option('--product <id>', 'product id (default: the new directory\'s name)')
    .option('--from-version <v>', 'version of the old tree', 'old')
    .option('--to-version <v>', 'version of the new tree', 'new')
    .option('--level <n>', 'zstd compression level', intArg('--level'), 19)
    .option('--pre-hook <command>', 'command the installer runs before the commit (words split on spaces, or a JSON array)', hookArg('--pre-hook'))
    .option('--post-hook <command>', 'command the installer runs after the commit', hookArg('--post-hook'))
    .addOption(jsonOption())
    .action((oldDir: string, newDir: string, o: Opts) => runCommand('build', o, () => {
      const hooks = { ...(o.preHook ? { pre: o.preHook } : {}), ...(o.postHook ? { post: o.postHook } : {}) };
      const r = lib.build({ oldDir, newDir, out: o.out, fromVersion: o.fromVersion, toVersion: o.toVersion, level: o.level, hooks, ...(o.product ? { product: o.product } : {}) });
      return { result: r, lines: renderBuild(r) };
    }));
}
