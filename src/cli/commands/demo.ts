// servicepack demo: the seed scenario (KB Q320097), narrated.
import type { Command } from 'commander';
import * as lib from '../../index.js';
import { EXIT } from '../exit-codes.js';
import { jsonOption } from '../options.js';
import { runCommand, type Json } from '../run-command.js';

export function addDemo(program: Command): void {
  program.command('demo').description('reproduce KB Q320097 (files in use stop a service pack) and fix it live')
    .option('--keep', 'keep the scenario directory').addOption(jsonOption())
    .action((o: Json & { keep?: boolean }) => runCommand('demo', o, async (out) => {
      const r = await lib.runDemo({ onLine: out.line, keep: o.keep === true });
      const ok = r.install.updated.length === 4 && r.install.holderAlive && r.install.exitCode === 3 && r.uninstall.restored && r.cleanup.removed.length > 0 && r.cleanup.held.length === 0;
      return { result: r, lines: [], exitCode: ok ? EXIT.ok : EXIT.failed };
    }));
}
