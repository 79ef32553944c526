// servicepack build <old-dir> <new-dir> --out <pack> --product ID --from-version V --to-version V [--force]
//   [--pre-hook CMD] [--post-hook CMD] [--health-cmd CMD]... [--health-url URL]... [--health-tcp HOST:PORT]...
//   [--health-delay S] [--health-period S] [--health-window S] [--health-deadline S] [--no-delta] [--threads N] [--keep-special-bits]
// The labels are required: a guessed product or version makes a pack that installs refuse (DOWNGRADE).
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import * as lib from '../../index.js';
import { addHealthOptions, healthOf, hookArg, intArg, jsonOption, type HealthFlags } from '../options.js';
import { renderBuild } from '../render-text.js';
import { runCommand, type Json } from '../run-command.js';

type Opts = Json & HealthFlags & {
  out: string; product: string; force?: boolean; fromVersion: string; toVersion: string; level: number; preHook?: string[]; postHook?: string[];
  sign?: string; expires?: string; delta: boolean; threads?: number; keepSpecialBits?: boolean;
};

export function addBuild(program: Command): void {
  const cmd = program.command('build').description('build a service pack from two release trees')
    .argument('<old-dir>').argument('<new-dir>')
    .requiredOption('--out <pack>', 'the pack file to write (required)')
    .requiredOption('--product <id>', 'product id, as installs compare it (required)')
    .requiredOption('--from-version <v>', 'version of the old tree (required)')
    .requiredOption('--to-version <v>', 'version of the new tree; must be newer (required)')
    .option('--force', 'overwrite the --out file if it exists')
    .option('--level <n>', 'zstd compression level', intArg('--level'), 19)
    .option('--pre-hook <command>', 'command the installer runs before the commit (words split on spaces, or a JSON array)', hookArg('--pre-hook'))
    .option('--post-hook <command>', 'command the installer runs after the commit', hookArg('--post-hook'))
    .option('--sign <key>', 'sign the pack with this secret key file (passphrase of an encrypted key: $SERVICEPACK_KEY_PASSPHRASE)')
    .option('--expires <date>', 'refuse to install the pack after this date (YYYY-MM-DD, end of day UTC) or UTC time')
    .addOption(jsonOption())
    .option('--no-delta', 'store every changed file in full, never as a delta against its old version')
    .option('--threads <n>', 'worker threads that encode files (default: one per core; 0: none)', intArg('--threads'))
    .option('--keep-special-bits', 'record setuid, setgid and sticky bits (without it they are dropped, with a warning)')
    .addHelpText('after', `
Examples:
  servicepack build release-5.5 release-sp4 --out sp4.svp --product exchange --from-version 5.5 --to-version SP4 \\
    --sign vendor.key --expires 2027-12-31
  servicepack build old new --out hotfix.svp --product acme --from-version 2.0 --to-version 2.0.1 --post-hook "systemctl restart acme"
  servicepack build old new --out web.svp --product web --from-version 1 --to-version 2 --health-url http://127.0.0.1:8080/health

Refused: identical trees (unless the pack has hooks), an --expires already past, an existing --out (unless --force).
On a terminal a progress bar shows bytes encoded, rate and ETA; --json prints build-progress events.
Exit codes: 0 built, 1 failed (BUILD_INPUT, KEY_INVALID, ...), 2 usage.`);
  addHealthOptions(cmd, ', signed into the pack')
    .action((oldDir: string, newDir: string, o: Opts) => runCommand('build', o, async (out) => {
      if (o.force !== true && existsSync(o.out)) {
        throw new lib.ServicePackError('USAGE', `${o.out} exists`, { hint: 'Choose another --out, or pass --force to overwrite it.', details: { argument: '--out' } });
      }
      const health = healthOf(o);
      if (health.checks === undefined && Object.keys(health).length > 0) {
        throw new lib.ServicePackError('USAGE', 'health timing options need at least one check (--health-cmd, --health-url or --health-tcp)', { hint: 'for example --health-url http://127.0.0.1:8080/health --health-window 10', details: { argument: '--health-window' } });
      }
      const r = await lib.build({
        oldDir, newDir, out: o.out, strict: true, onWarning: (w) => out.event(w), onProgress: out.progress, fromVersion: o.fromVersion, toVersion: o.toVersion, level: o.level, delta: o.delta, ...(o.preHook ? { preHook: o.preHook } : {}), ...(o.postHook ? { postHook: o.postHook } : {}),
        ...(health.checks === undefined ? {} : { health: { ...health, checks: health.checks } }),
        ...(o.product ? { product: o.product } : {}), ...(o.keepSpecialBits === true ? { keepSpecialBits: true } : {}), ...(o.threads === undefined ? {} : { threads: o.threads }),
        ...(o.sign === undefined ? {} : { sign: o.sign }), ...(o.expires === undefined ? {} : { expires: o.expires }),
        ...(process.env.SERVICEPACK_KEY_PASSPHRASE === undefined ? {} : { passphrase: process.env.SERVICEPACK_KEY_PASSPHRASE }),
      });
      return { result: r, lines: () => renderBuild(r) };
    }));
}
