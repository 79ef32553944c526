// servicepack trust --target <dir> [--add <pub>]... [--remove <keyid>]...
import type { Command } from 'commander';
import * as lib from '../../index.js';
import { collect, jsonOption, targetOption } from '../options.js';
import { renderTrust } from '../render-trust.js';
import { stopOptions } from '../interrupts.js';
import { runCommand, type Json } from '../run-command.js';

type Opts = Json & { target: string; add?: string[]; remove?: string[] };

export function addTrust(program: Command): void {
  program.command('trust').description('list, pin or unpin the keys trusted for a target')
    .addOption(targetOption())
    .option('--add <pub>', 'pin a public key file (repeatable)', collect)
    .option('--remove <keyid>', 'unpin a key id (repeatable)', collect)
    .addOption(jsonOption())
    .action((o: Opts) => runCommand('trust', o, async (out) => {
      const r = await lib.trust({ target: o.target, add: o.add ?? [], remove: o.remove ?? [], onEvent: out.event, ...stopOptions() });
      return { result: r, lines: () => renderTrust(r) };
    }, (o.add ?? []).length + (o.remove ?? []).length > 0));
}
