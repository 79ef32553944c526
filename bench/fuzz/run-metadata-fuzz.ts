// Fuzzes what sync parses from a repository: mutated TUF metadata files (a repository's timestamp,
// snapshot and targets, and the trusted root given with --root) go through the real refresh, and
// mutated channel files through the channel parser. Every case must end in success or a coded error;
// a refresh may succeed only when the signed part of the mutated file is what was signed.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { canonicalize } from '@tufjs/canonical-json';
import { Metadata, type MetadataKind } from '@tufjs/models';
import { isServicePackError, repoInit } from '../../src/index.js';
import { selectPlatform } from '../../src/platform/index.js';
import { newDispatcher } from '../../src/fleet/open-url.js';
import { refreshMetadata } from '../../src/fleet/refresh-metadata.js';
import { parseChannel, channelBytes } from '../../src/fleet/channel-record.js';
import { seeded, type Random } from './random.js';

export interface MetadataFuzzReport {
  outcomes: Record<string, number>;
  failures: { index: number; file: string; problem: string }[];
}

const VALUES = [null, -1, 0, 1, 2 ** 53, 1e308, '', 'x', '2000-01-01T00:00:00Z', [], {}, true, 'f'.repeat(64)];

export async function runMetadataFuzz(opts: { cases: number; seed: number }): Promise<MetadataFuzzReport> {
  // Each case writes and fsyncs a metadata cache: on a RAM file system when there is one.
  const work = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'servicepack-mdfuzz-'));
  const platform = selectPlatform();
  const dispatcher = newDispatcher();
  const report: MetadataFuzzReport = { outcomes: {}, failures: [] };
  try {
    const repo = join(work, 'repo');
    const { rootFile } = await repoInit({ repo, keyDir: join(work, 'keys') });
    const files = readdirSync(join(repo, 'metadata')).filter((n) => n !== '1.root.json').map((n) => join('metadata', n));
    const rnd = seeded(opts.seed);
    const channel = channelBytes({ channel: 'stable', product: 'acme', version: '2.0', percent: 50, halted: false, rollout: 'r', requiredStops: ['1.5'], pulled: [] });
    for (let i = 0; i < opts.cases; i++) {
      const count = (k: string) => (report.outcomes[k] = (report.outcomes[k] ?? 0) + 1);
      if (i % 5 === 4) {
        try {
          parseChannel(mutate(channel, rnd));
          count('channel-ok');
        } catch (err) {
          if (err instanceof Error) count('channel-refused');
          else report.failures.push({ index: i, file: 'channel', problem: `threw a non-Error ${String(err)}` });
        }
        continue;
      }
      const caseDir = join(work, `case-${i}`);
      mkdirSync(caseDir);
      cpSync(repo, join(caseDir, 'repo'), { recursive: true });
      const root = join(caseDir, 'root.json');
      cpSync(rootFile, root);
      const target = rnd.int(0, files.length) === files.length ? root : join(caseDir, 'repo', rnd.pick(files));
      const before = readFileSync(target);
      const after = mutate(before, rnd);
      writeFileSync(target, after);
      try {
        await refreshMetadata(join(caseDir, 'cache'), root, pathToFileURL(join(caseDir, 'repo')).href + '/', dispatcher, platform);
        count('ok');
        if (signedPart(before) !== signedPart(after)) report.failures.push({ index: i, file: target, problem: 'a changed signed part was accepted' });
      } catch (err) {
        if (isServicePackError(err)) count(err.code);
        else report.failures.push({ index: i, file: target, problem: `uncoded ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}` });
      }
      if (report.failures.at(-1)?.index !== i) rmSync(caseDir, { recursive: true, force: true });
    }
  } finally {
    await dispatcher.close();
    if (report.failures.length === 0) rmSync(work, { recursive: true, force: true });
  }
  return report;
}

/**
 * The canonical JSON of a metadata file's `signed` as the TUF models read it (what signatures are
 * checked against and what the client uses: e.g. an empty spec_version reads as the default one), or a
 * marker when it does not parse.
 */
function signedPart(bytes: Buffer): string {
  try {
    const doc = JSON.parse(bytes.toString('utf8')) as { signed: { _type: MetadataKind.Root } };
    return canonicalize(Metadata.fromJSON(doc.signed._type, doc as never).signed.toJSON());
  } catch {
    return `unparsable ${bytes.toString('hex').slice(0, 64)}`;
  }
}

function mutate(bytes: Buffer, rnd: Random): Buffer {
  switch (rnd.int(0, 3)) {
    case 0: {
      const b = Buffer.from(bytes);
      for (let n = rnd.int(1, 4); n > 0; n--) b[rnd.int(0, b.length - 1)] = rnd.int(0, 255);
      return b;
    }
    case 1:
      return bytes.subarray(0, rnd.int(0, bytes.length - 1));
    default: {
      const doc = JSON.parse(bytes.toString('utf8')) as unknown;
      for (let n = rnd.int(1, 3); n > 0; n--) mutateValue(doc, rnd);
      return Buffer.from(JSON.stringify(doc));
    }
  }
}

/** Replaces or deletes one value somewhere in the JSON tree. */
function mutateValue(doc: unknown, rnd: Random): void {
  let node = doc as Record<string, unknown>;
  for (let depth = rnd.int(0, 5); ; depth--) {
    const keys = Object.keys(node);
    if (keys.length === 0) return;
    const key = rnd.pick(keys);
    const child = node[key];
    if (depth > 0 && typeof child === 'object' && child !== null && Object.keys(child).length > 0) {
      node = child as Record<string, unknown>;
      continue;
    }
    if (rnd.int(0, 4) === 0 && !Array.isArray(node)) delete node[key];
    else node[key] = rnd.pick(VALUES);
    return;
  }
}
