// servicepack install <pack> --target <dir> [--trusted-key <pub>]... [--allow-unsigned] [--allow-downgrade] [--dry-run] [--keep N]
//   [--restart-units] [--in-use-wait <ms>] [-v | -q] [--json]
//   [--health-cmd CMD]... [--health-url URL]... [--health-tcp HOST:PORT]... [--health-delay S] [--health-period S] [--health-window S] [--health-deadline S] [--no-health]
import type { Command } from 'commander';
import * as lib from '../../index.js';
import { EXIT } from '../exit-codes.js';
import { addHealthOptions, collect, healthOf, intArg, inUseWaitOption, jsonOption, quietOption, restartUnitsOption, targetOption, verboseOption, type HealthFlags } from '../options.js';
import { renderAlreadyInstalled, renderInstall, renderPlan } from '../render-text.js';
import { trustLine } from '../render-trust.js';
import { onThisThread, stopOptions } from '../interrupts.js';
import { runCommand, type Json } from '../run-command.js';

type Opts = Json & HealthFlags & { health: boolean; keep?: number; target: string; inUseWait?: number; dryRun?: boolean; restartUnits?: boolean; trustedKey?: string[]; allowUnsigned?: boolean; allowDowngrade?: boolean; verbose?: boolean };

export function addInstall(program: Command): void {
  const cmd = program.command('install').description('install a service pack into a target as one transaction; with health checks, roll it back unless they pass (exit 5)').argument('<pack>')
    .addOption(targetOption())
    .option('--trusted-key <pub>', 'a public key file trusted for this install, besides the keys pinned for the target (repeatable)', collect)
    .option('--allow-unsigned', 'install even if no trusted key verifies the pack (reported as a warning)')
    .option('--allow-downgrade', 'install even if the pack\'s version is not newer than its base')
    .option('--dry-run', 'print the plan and who holds each file; change nothing')
    .option('--keep <n>', 'keep the uninstall backups of at most N service packs, this one included; older ones can no longer be uninstalled', intArg('--keep'))
    .addOption(restartUnitsOption()).addOption(inUseWaitOption()).addOption(verboseOption()).addOption(quietOption()).addOption(jsonOption())
    .addHelpText('after', `
Examples:
  servicepack install sp4.svp --target /opt/exchange --trusted-key vendor.pub --dry-run
  servicepack install sp4.svp --target /opt/exchange --trusted-key vendor.pub
  servicepack install sp4.svp --target /opt/exchange --health-url http://127.0.0.1:8080/health
  servicepack install sp4.svp --target /opt/exchange -q || echo "failed: $?"

Re-running an install of a pack that is already installed prints "already installed" and exits 0.
Exit codes: 0 done (or already installed), 1 failed (the target is unchanged), 2 usage,
3 done but processes still run the old version, 4 a transaction is pending (run recover),
5 health check failed; rolled back: the target is the previous version.`);
  addHealthOptions(cmd, ', added to the pack\'s checks')
    .option('--no-health', 'skip the health trial (reported as a warning)')
    .action((pack: string, o: Opts) => runCommand('install', o, async (out) => {
      const health = healthOf(o);
      if (o.health === false && Object.keys(health).length > 0) {
        throw new lib.ServicePackError('USAGE', '--no-health cannot be combined with health check options', {
          hint: 'Give checks with --health-cmd, --health-url or --health-tcp (added to the pack\'s), times in seconds with --health-delay, --health-period, --health-window and --health-deadline; see docs/health.md.',
          details: { argument: '--no-health' },
        });
      }
      const options: lib.InstallOptions = {
        target: o.target, dryRun: o.dryRun === true, restartUnits: o.restartUnits === true, onEvent: out.event,
        trustedKey: o.trustedKey ?? [], allowUnsigned: o.allowUnsigned === true, allowDowngrade: o.allowDowngrade === true,
        ...(o.inUseWait === undefined ? {} : { inUseWait: o.inUseWait }), ...(o.keep === undefined ? {} : { keep: o.keep }),
        health: o.health === false ? false : health,
      };
      const here = onThisThread();
      const r = here === null ? await lib.install(pack, { ...options, ...stopOptions() }) : lib.installSync(pack, { ...options, ...here });
      if (r.alreadyInstalled) return { result: r, lines: renderAlreadyInstalled(r) };
      const trust = trustLine(r.trust, r.dryRun ? undefined : r.pinnedKey);
      const verbose = o.verbose === true;
      if (r.dryRun) return { result: r, lines: () => [...renderPlan(r, verbose), trust] };
      return { result: r, lines: () => [...renderInstall(r, verbose), trust], exitCode: r.restartNeeded ? EXIT.restartNeeded : EXIT.ok };
    }, o.dryRun !== true));
}
