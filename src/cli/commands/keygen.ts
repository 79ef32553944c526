// servicepack keygen --out <name>
import type { Command } from 'commander';
import * as lib from '../../index.js';
import { jsonOption } from '../options.js';
import { renderKeygen } from '../render-trust.js';
import { runCommand, type Json } from '../run-command.js';

export function addKeygen(program: Command): void {
  program.command('keygen').description('make a signing key pair: <name>.key (secret) and <name>.pub')
    .requiredOption('--out <name>', 'the path and base name of the two key files')
    .addOption(jsonOption())
    .action((o: Json & { out: string }) => runCommand('keygen', o, async () => {
      const r = await lib.keygen({ out: o.out });
      return { result: r, lines: () => renderKeygen(r) };
    }));
}
