// servicepack explain <CODE>: the KB-style article for an error code.
import type { Command } from 'commander';
import * as lib from '../../index.js';
import { jsonOption } from '../options.js';
import { runCommand, type Json } from '../run-command.js';

export function addExplain(program: Command): void {
  program.command('explain').description('Symptoms / Cause / Resolution for an error code').argument('<code>').addOption(jsonOption())
    .action((code: string, o: Json) => runCommand('explain', o, () => {
      const a = lib.explain(code);
      return { result: a, lines: [`${a.code}: ${a.summary}`, '', 'SYMPTOMS', `  ${a.symptoms}`, '', 'CAUSE', `  ${a.cause}`, '', 'RESOLUTION', `  ${a.resolution}`] };
    }));
}
