// servicepack build <old-dir> <new-dir> --out <pack> [--product ID] [--from-version V] [--to-version V]
//   [--pre-hook CMD] [--post-hook CMD] [--no-delta] [--threads N] [--keep-special-bits]
import type { Command } from 'commander';
import * as lib from '../../index.js';
import { hookArg, intArg, jsonOption } from '../options.js';
import { renderBuild } from '../render-text.js';
import { runCommand, type Json } from '../run-command.js';

type Opts = Json & {
  out: string; product?: string; fromVersion: string; toVersion: string; level: number; preHook?: string[]; postHook?: string[];
  sign?: string; expires?: string; delta: boolean; threads?: number; keepSpecialBits?: boolean;
};

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
    .option('--sign <key>', 'sign the pack with this secret key file (passphrase of an encrypted key: $SERVICEPACK_KEY_PASSPHRASE)')
    .option('--expires <date>', 'refuse to install the pack after this date (YYYY-MM-DD, end of day UTC) or UTC time')
    .addOption(jsonOption())
    .option('--no-delta', 'store every changed file in full, never as a delta against its old version')
    .option('--threads <n>', 'worker threads that encode files (default: one per core; 0: none)', intArg('--threads'))
    .option('--keep-special-bits', 'record setuid, setgid and sticky bits (without it they are dropped, with a warning)')
    .action((oldDir: string, newDir: string, o: Opts) => runCommand('build', o, async (out) => {
      const r = await lib.build({
        oldDir, newDir, out: o.out, onWarning: (w) => out.event(w), fromVersion: o.fromVersion, toVersion: o.toVersion, level: o.level, delta: o.delta, ...(o.preHook ? { preHook: o.preHook } : {}), ...(o.postHook ? { postHook: o.postHook } : {}),
        ...(o.product ? { product: o.product } : {}), ...(o.keepSpecialBits === true ? { keepSpecialBits: true } : {}), ...(o.threads === undefined ? {} : { threads: o.threads }),
        ...(o.sign === undefined ? {} : { sign: o.sign }), ...(o.expires === undefined ? {} : { expires: o.expires }),
        ...(process.env.SERVICEPACK_KEY_PASSPHRASE === undefined ? {} : { passphrase: process.env.SERVICEPACK_KEY_PASSPHRASE }),
      });
      return { result: r, lines: () => renderBuild(r) };
    }));
}
