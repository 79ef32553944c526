// servicepack holders --target <dir> [<path>...] [--json]
import type { Command } from 'commander';
import * as lib from '../../index.js';
import { jsonOption, targetOption } from '../options.js';
import { renderHolders } from '../render-text.js';
import { runCommand, type Json } from '../run-command.js';

export function addHolders(program: Command): void {
  program.command('holders').description('list the processes holding files of the target (by device and inode)')
    .argument('[paths...]', 'paths inside the target (default: all of it)')
    .addOption(targetOption()).addOption(jsonOption())
    .action((paths: string[], o: Json & { target: string }) => runCommand('holders', o, async () => {
      const r = await lib.holders({ target: o.target, paths });
      return { result: r, lines: () => renderHolders(r) };
    }));
}
