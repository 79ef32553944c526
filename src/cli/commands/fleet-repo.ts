// servicepack repo init <repo-dir> --keys <key-dir> | repo timestamp --repo <dir> --keys <dir> [--days N]
// servicepack publish <pack>... --repo <dir> --keys <dir> [--pack-key <pub>]...
// servicepack channel <name> --repo <dir> --keys <dir> [--version V] [--percent N] [--halt | --resume] ...
import type { Command } from 'commander';
import * as lib from '../../index.js';
import { collect, jsonOption } from '../options.js';
import { runCommand, type Json } from '../run-command.js';
import { percentArg, positiveArg } from './fleet-args.js';

type RepoOpts = Json & { repo: string; keys: string };

export function addFleetRepo(program: Command): void {
  const repo = program.command('repo').description('make and maintain a fleet repository (static files for any web server, bucket or CDN)');
  repo.command('init').description('a new repository and its role keys; writes <key-dir>/root.json for the installations').argument('<repo-dir>')
    .requiredOption('--keys <key-dir>', 'a new directory for the role keys (keep root.key offline)')
    .addOption(jsonOption())
    .action((dir: string, o: Json & { keys: string }) => runCommand('repo init', o, async () => {
      const r = await lib.repoInit({ repo: dir, keyDir: o.keys });
      return { result: r, lines: [`repository ${r.repo}`, `keys in ${r.keyDir}; give installations ${r.rootFile} (sync --root)`] };
    }));
  repo.command('timestamp').description('re-sign the timestamp (run it before the current one expires)')
    .requiredOption('--repo <dir>', 'the repository directory').requiredOption('--keys <key-dir>', 'the key directory (timestamp.key)')
    .option('--days <n>', 'days the new timestamp is valid (default 7)', positiveArg('--days'))
    .addOption(jsonOption())
    .action((o: RepoOpts & { days?: number }) => runCommand('repo timestamp', o, async () => {
      const r = await lib.repoTimestamp({ repo: o.repo, keyDir: o.keys, ...(o.days === undefined ? {} : { timestampDays: o.days }) });
      return { result: r, lines: [`timestamp version ${r.version}, expires ${r.expires}`] };
    }));
  program.command('publish').description('add signed service packs to a fleet repository and re-sign its metadata').argument('<pack...>')
    .requiredOption('--repo <dir>', 'the repository directory').requiredOption('--keys <key-dir>', 'the key directory (targets, snapshot, timestamp keys)')
    .option('--pack-key <pub>', 'a public key that signs the packs, listed for installations to trust (repeatable)', collect, [])
    .addOption(jsonOption())
    .action((packs: string[], o: RepoOpts & { packKey: string[] }) => runCommand('publish', o, async () => {
      const r = await lib.publish(packs, { repo: o.repo, keyDir: o.keys, packKeys: o.packKey });
      return { result: r, lines: [...r.packs.map((p) => `${p.added ? 'published' : 'already published'} ${p.name} (${p.length} bytes)`), ...r.keys.map((k) => `listed key ${k}`), `metadata re-signed; timestamp expires ${r.timestampExpires}`] };
    }));
  program.command('channel').description('point a channel at a version, stage its rollout, halt or resume it').argument('<name>')
    .requiredOption('--repo <dir>', 'the repository directory').requiredOption('--keys <key-dir>', 'the key directory')
    .option('--version <v>', 'the version installations of this channel should run (a new version starts a new rollout)')
    .option('--percent <n>', 'the share of machines admitted, 0-100 (default 100 for a new rollout)', percentArg)
    .option('--halt', 'stop every sync of this channel before its next download or link')
    .option('--resume', 'lift a halt')
    .option('--required-stop <v>', 'a version every chain across it must stop at (repeatable)', collect, [])
    .option('--pull <v>', 'a version no installation may land on (repeatable)', collect, [])
    .option('--unpull <v>', 'allow a pulled version again (repeatable)', collect, [])
    .addOption(jsonOption())
    .action((name: string, o: RepoOpts & { version?: string; percent?: number; halt?: boolean; resume?: boolean; requiredStop: string[]; pull: string[]; unpull: string[] }) => runCommand('channel', o, async () => {
      const r = await lib.channel(name, {
        repo: o.repo, keyDir: o.keys, halt: o.halt === true, resume: o.resume === true, requiredStops: o.requiredStop, pull: o.pull, unpull: o.unpull,
        ...(o.version === undefined ? {} : { version: o.version }), ...(o.percent === undefined ? {} : { percent: o.percent }),
      });
      const c = r.channel;
      return { result: r, lines: [`channel ${c.channel}: ${c.product} ${c.version}, ${c.percent}%${c.halted ? ', HALTED' : ''}`, `metadata re-signed; timestamp expires ${r.timestampExpires}`] };
    }));
}
