// servicepack inspect <pack> [--json]
import type { Command } from 'commander';
import * as lib from '../../index.js';
import { jsonOption } from '../options.js';
import { renderInspect } from '../render-text.js';
import { runCommand, type Json } from '../run-command.js';

export function addInspect(program: Command): void {
  program.command('inspect').description('show what a service pack contains').argument('<pack>').addOption(jsonOption())
    .action((pack: string, o: Json) => runCommand('inspect', o, async () => {
      const r = await lib.inspect(pack);
      return { result: r, lines: () => renderInspect(r) };
    }));
}
