// servicepack sync --target <dir> --repo <url> --root <root.json> [--channel <name>] [--dry-run] [--machine-id <id>] [--max-rate <bytes/s>] [--cache-dir <dir>] [--json]
import type { Command } from 'commander';
import * as lib from '../../index.js';
import { EXIT } from '../exit-codes.js';
import { jsonOption, targetOption } from '../options.js';
import { stopRequested } from '../interrupts.js';
import { runCommand, type Json } from '../run-command.js';
import { rateArg } from './fleet-args.js';

type Opts = Json & { target: string; repo: string; root: string; channel: string; dryRun?: boolean; machineId?: string; maxRate?: number; cacheDir?: string };

export function addSync(program: Command): void {
  program.command('sync').description('bring a target to its channel\'s version from a fleet repository (TUF-verified, resumable, staged)')
    .addOption(targetOption())
    .requiredOption('--repo <url>', 'the repository: http(s)://..., file:///... or a directory')
    .requiredOption('--root <root.json>', 'the repository\'s root metadata, trusted the first time')
    .option('--channel <name>', 'the channel to follow', 'stable')
    .option('--dry-run', 'refresh metadata, download and check the chain; change nothing in the target')
    .option('--machine-id <id>', 'the id the staged rollout buckets this machine by (default /etc/machine-id)')
    .option('--max-rate <bytes>', 'download at most this many bytes per second (k, M, G suffixes)', rateArg)
    .option('--cache-dir <dir>', 'where sync keeps trusted metadata and partial downloads (default ~/.cache/servicepack)')
    .addOption(jsonOption())
    .action((o: Opts) => runCommand('sync', o, async (out) => {
      const r = await lib.sync({
        target: o.target, repo: o.repo, root: o.root, channel: o.channel, dryRun: o.dryRun === true, onEvent: out.event, stopRequested,
        ...(o.machineId === undefined ? {} : { machineId: o.machineId }), ...(o.maxRate === undefined ? {} : { maxRate: o.maxRate }), ...(o.cacheDir === undefined ? {} : { cacheDir: o.cacheDir }),
      });
      return { result: r, lines: [r.msg], exitCode: r.restartNeeded ? EXIT.restartNeeded : EXIT.ok };
    }, o.dryRun !== true));
}
