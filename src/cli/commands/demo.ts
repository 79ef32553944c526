// servicepack demo: the seed scenario (KB Q320097), narrated; on Windows with the prebuilt PE files (--pe-dir).
import type { Command } from 'commander';
import * as lib from '../../index.js';
import { EXIT } from '../exit-codes.js';
import { jsonOption } from '../options.js';
import { runCommand, type Json } from '../run-command.js';

export function addDemo(program: Command): void {
  program.command('demo').description('reproduce KB Q320097 (files in use stop a service pack) and fix it live')
    .option('--keep', 'keep the scenario directory')
    .option('--pe-dir <dir>', 'Windows: the prebuilt PE files (5.5/ and SP4/) from scripts/setup-windows.sh')
    .addOption(jsonOption())
    .action((o: Json & { keep?: boolean; peDir?: string }) => runCommand('demo', o, async (out) => {
      if (lib.platformName() === 'win32') {
        const w = await lib.runWindowsDemo({ onLine: out.line, keep: o.keep === true, ...(o.peDir === undefined ? {} : { peDir: o.peDir }) });
        const ok = w.naive.outcomes.every((n) => n.outcome !== 'copied') && [w.install.hostSays, w.uninstall.hostSays].every((l) => l.includes(' 5.5') && !l.includes('SP4')) && w.uninstall.restored && w.cleanup.held.length === 0;
        return { result: w, lines: [], exitCode: ok ? EXIT.ok : EXIT.failed };
      }
      const r = await lib.runDemo({ onLine: out.line, keep: o.keep === true });
      const ok = r.install.updated.length === 4 && r.install.holderAlive && r.install.exitCode === 3 && r.uninstall.restored && r.cleanup.removed.length > 0 && r.cleanup.held.length === 0;
      return { result: r, lines: [], exitCode: ok ? EXIT.ok : EXIT.failed };
    }));
}
