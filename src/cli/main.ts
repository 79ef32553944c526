#!/usr/bin/env node
// The servicepack command line: parses argv, calls one library function, renders text or --json.
import { Command, CommanderError, Option } from 'commander';
import * as lib from '../index.js';
import { EXIT, exitCodeForError } from './exit-codes.js';
import { createOutput, type Output } from './output.js';
import * as render from './render-text.js';

type Json = { json?: boolean };

/** Runs one command: `work` returns the result object, its text lines, and the exit code. */
async function run(command: string, opts: Json, work: (out: Output) => Promise<{ result: unknown; lines: string[]; exitCode?: number }> | { result: unknown; lines: string[]; exitCode?: number }): Promise<void> {
  const out = createOutput(opts.json === true);
  try {
    const { result, lines, exitCode = EXIT.ok } = await work(out);
    for (const l of lines) out.line(l);
    out.result(command, exitCode, result);
    process.exitCode = exitCode;
  } catch (err) {
    if (!lib.isServicePackError(err)) throw err;
    const code = exitCodeForError(err.code);
    out.error(command, code, err);
    process.exitCode = code;
  }
}

function program(): Command {
  const p = new Command('servicepack')
    .description('Build service packs and install them onto running installations: one crash-safe transaction, never stopped by files in use.')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride();
  const json = new Option('--json', 'print JSON lines: events, then the result object');

  p.command('build').description('build a service pack from two release trees')
    .argument('<old-dir>').argument('<new-dir>')
    .requiredOption('--out <pack>', 'the pack file to write')
    .option('--product <id>', 'product id (default: the new directory\'s name)')
    .option('--from-version <v>', 'version of the old tree', 'old')
    .option('--to-version <v>', 'version of the new tree', 'new')
    .option('--level <n>', 'zstd compression level', (v) => intArg(v, '--level'), 19)
    .addOption(json)
    .action((oldDir: string, newDir: string, o: Json & { out: string; product?: string; fromVersion: string; toVersion: string; level: number }) =>
      run('build', o, () => {
        const r = lib.build({ oldDir, newDir, out: o.out, fromVersion: o.fromVersion, toVersion: o.toVersion, level: o.level, ...(o.product ? { product: o.product } : {}) });
        return { result: r, lines: render.renderBuild(r) };
      }));

  p.command('inspect').description('show what a service pack contains').argument('<pack>').addOption(json)
    .action((pack: string, o: Json) => run('inspect', o, () => {
      const r = lib.inspect(pack);
      return { result: r, lines: render.renderInspect(r) };
    }));

  p.command('install').description('install a service pack into a target as one transaction').argument('<pack>')
    .requiredOption('--target <dir>', 'the installation directory')
    .option('--dry-run', 'print the plan and change nothing').addOption(json)
    .action((pack: string, o: Json & { target: string; dryRun?: boolean }) => run('install', o, (out) => {
      const r = lib.install(pack, { target: o.target, dryRun: o.dryRun === true, onEvent: out.event });
      return r.dryRun ? { result: r, lines: render.renderPlan(r) } : { result: r, lines: render.renderInstall(r) };
    }));

  for (const [name, desc, fn, show] of [
    ['uninstall', 'remove the most recently installed service pack', lib.uninstall, render.renderUninstall],
    ['status', 'product, version, installed service packs, pending work', lib.status, render.renderStatus],
    ['recover', 'finish or roll back an interrupted transaction', lib.recover, render.renderRecover],
  ] as const) {
    p.command(name).description(desc).requiredOption('--target <dir>', 'the installation directory').addOption(json)
      .action((o: Json & { target: string }) => run(name, o, (out) => {
        const r = (fn as (x: lib.TargetOptions) => unknown)({ target: o.target, onEvent: out.event });
        return { result: r, lines: (show as (x: unknown) => string[])(r) };
      }));
  }

  p.command('verify').description('list files that differ from what was installed (exit 1 when any do)')
    .requiredOption('--target <dir>', 'the installation directory').addOption(json)
    .action((o: Json & { target: string }) => run('verify', o, (out) => {
      const r = lib.verify({ target: o.target, onEvent: out.event });
      return { result: r, lines: render.renderVerify(r), exitCode: r.ok ? EXIT.ok : EXIT.failed };
    }));

  p.command('explain').description('Symptoms / Cause / Resolution for an error code').argument('<code>').addOption(json)
    .action((code: string, o: Json) => run('explain', o, () => {
      const a = lib.explain(code);
      return { result: a, lines: [`${a.code}: ${a.summary}`, '', 'SYMPTOMS', `  ${a.symptoms}`, '', 'CAUSE', `  ${a.cause}`, '', 'RESOLUTION', `  ${a.resolution}`] };
    }));

  p.command('demo').description('reproduce KB Q320097 (files in use stop a service pack) and fix it live')
    .option('--keep', 'keep the scenario directory').addOption(json)
    .action((o: Json & { keep?: boolean }) => run('demo', o, async (out) => {
      const r = await lib.runDemo({ onLine: out.line, keep: o.keep === true });
      const ok = r.install.updated.length === 4 && r.install.holderAlive && r.uninstall.restored;
      return { result: r, lines: [], exitCode: ok ? EXIT.ok : EXIT.failed };
    }));
  return p;
}

function intArg(v: string, name: string): number {
  const n = Number(v);
  if (!Number.isInteger(n)) throw new lib.ServicePackError('USAGE', `${name} must be an integer`, { hint: `for example ${name} 19`, details: { argument: name } });
  return n;
}

try {
  await program().parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    process.exitCode = err.exitCode === 0 ? EXIT.ok : EXIT.usage;
  } else if (lib.isServicePackError(err)) {
    createOutput(process.argv.includes('--json')).error('servicepack', exitCodeForError(err.code), err);
    process.exitCode = exitCodeForError(err.code);
  } else {
    throw err;
  }
}
