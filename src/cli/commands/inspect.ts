// servicepack inspect <pack> [--trusted-key <pub>]... [-v] [--json]
import type { Command } from 'commander';
import * as lib from '../../index.js';
import { collect, jsonOption, verboseOption } from '../options.js';
import { renderInspect } from '../render-text.js';
import { runCommand, type Json } from '../run-command.js';

type Opts = Json & { trustedKey?: string[]; verbose?: boolean };

export function addInspect(program: Command): void {
  program.command('inspect').description('show what a service pack contains: versions, signer, expiry, the commands it runs as root, its files')
    .argument('<pack>')
    .option('--trusted-key <pub>', 'check the signature with this public key file (repeatable); exit 1 unless one verifies it', collect)
    .addOption(verboseOption()).addOption(jsonOption())
    .action((pack: string, o: Opts) => runCommand('inspect', o, async () => {
      const r = await lib.inspect(pack, { trustedKey: o.trustedKey ?? [] });
      return { result: r, lines: () => renderInspect(r, o.verbose === true) };
    }));
}
