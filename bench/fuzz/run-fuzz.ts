// The fuzz loop: each case writes one mutated pack, runs a dry-run install against a real target and,
// if that passes, a real install (then verify). Every case must end in success or a ServicePackError,
// within a time bound, with the target (including .servicepack/) and a sentinel directory beside it
// exactly as before — or, after a successful install, a target whose installed files all verify.
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { build, installSync as install, isServicePackError, keygenSync as keygen, verifySync as verify } from '../../src/index.js';
import { readSecretKeyFile } from '../../src/signing/index.js';
import { flatNew, flatOld, fullNew, fullOld } from '../../test/helpers/specs.js';
import { hashTree, makeTree, type TreeSpec } from '../../test/helpers/tree.js';
import { hasExediff, mutate, partsOf, type Kind, type PackParts } from './mutate.js';
import { seeded } from './random.js';

export interface FuzzOptions {
  cases: number;
  seed: number;
  /** A case slower than this is a failure (the code is synchronous, so it is measured, not interrupted). */
  maxCaseMs?: number;
  /** The mutation kinds to draw from (all by default). */
  kinds?: readonly Kind[];
  onProgress?: (done: number) => void;
}

export interface FuzzFailure {
  index: number;
  kind: Kind;
  problem: string;
  /** The case's pack, kept for replay. */
  file: string;
}

export interface FuzzReport {
  cases: number;
  seed: number;
  /** How many cases ended in each outcome: 'installed', 'dry-run-only:<CODE>' or an error code. */
  outcomes: Record<string, number>;
  byKind: Record<string, number>;
  failures: FuzzFailure[];
  maxCaseMs: number;
  seconds: number;
}

const NOW = new Date('2025-01-01T00:00:00Z');

/** Paths a (successfully installed) pack adds or changes. */
function writtenPaths(pack: Buffer): Set<string> {
  const { manifest } = partsOf(pack);
  const m = JSON.parse(manifest.toString('utf8')) as { entries: { path: string; action: string }[] };
  return new Set(m.entries.filter((e) => e.action === 'add' || e.action === 'change').map((e) => e.path));
}

export async function runFuzz(options: FuzzOptions): Promise<FuzzReport> {
  // tmpfs when there is one: each successful case is a real, fsynced install, and fsync is what costs.
  const work = join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), `servicepack-fuzz-${process.pid}-${options.seed}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  try {
    return await fuzzIn(work, options);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

async function fuzzIn(work: string, options: FuzzOptions): Promise<FuzzReport> {
  const started = performance.now();
  const keys = keygen({ out: join(work, 'vendor') });
  const key = readSecretKeyFile(keys.secretKeyFile);
  const trust = { trustedKey: [keys.publicKeyFile], now: NOW };
  const bigOld: TreeSpec = { data: { 'big.bin': Buffer.alloc(300_000, 7), 'text.txt': 'lorem ipsum '.repeat(2000) } };
  const bigNew: TreeSpec = { data: { 'big.bin': Buffer.concat([Buffer.alloc(200_000, 7), Buffer.alloc(100_000, 9)]), 'text.txt': 'lorem ipsum dolor '.repeat(2000) } };
  // An x86-64 DLL changed between two builds: its blob is exediff (the 'exediff' mutations aim at it).
  const vector = (name: string): Buffer => readFileSync(new URL(`../../../test/fixtures/exediff/${name}`, import.meta.url));
  const exeOld: TreeSpec = { bin: { 'app.dll': { content: vector('pe-v1.dll'), mode: 0o755 } } };
  const exeNew: TreeSpec = { bin: { 'app.dll': { content: vector('pe-v2.dll'), mode: 0o755 } } };
  const pairs: [TreeSpec, TreeSpec][] = [[flatOld, flatNew], [fullOld, fullNew], [bigOld, bigNew], [exeOld, exeNew]];
  const corpus: PackParts[] = [];
  const bases: string[] = [];
  for (const [i, [o, n]] of pairs.entries()) {
    const oldDir = makeTree(o, join(work, `old-${i}`));
    const out = join(work, `corpus-${i}.svp`);
    await build({ oldDir, newDir: makeTree(n, join(work, `new-${i}`)), out, product: 'acme', fromVersion: '1.0', toVersion: '2.0', level: 3, sign: keys.secretKeyFile, expires: '2030-01-01' });
    corpus.push(partsOf(readFileSync(out)));
    bases.push(oldDir);
  }
  // One target per base tree, each inside a parent that also holds a sentinel directory.
  const targets = bases.map((base, i) => {
    const parent = join(work, `t-${i}`);
    const target = join(parent, 'install');
    const sentinel = makeTree({ 'keep.txt': 'untouched\n' }, join(parent, 'sentinel'));
    const reset = (): void => {
      rmSync(target, { recursive: true, force: true });
      cpSync(base, target, { recursive: true, verbatimSymlinks: true });
    };
    reset();
    return { target, sentinel, reset, hash: hashTree(target), sentinelHash: hashTree(sentinel) };
  });

  const rng = seeded(options.seed);
  const maxCaseMs = options.maxCaseMs ?? 5000;
  const report: FuzzReport = { cases: options.cases, seed: options.seed, outcomes: {}, byKind: {}, failures: [], maxCaseMs: 0, seconds: 0 };
  const casePath = join(work, 'case.svp');
  for (let index = 0; index < options.cases; index++) {
    const { kind, bytes } = mutate(rng, corpus, key, options.kinds);
    writeFileSync(casePath, bytes);
    // An exediff edit goes to the target holding its base, so the decoder is reached, not BASE_MISMATCH.
    const aimed = kind === 'exediff' ? corpus.findIndex(hasExediff) : -1;
    const t = targets[aimed >= 0 && rng.int(0, 7) !== 0 ? aimed : rng.int(0, targets.length - 1)]!;
    const problems: string[] = [];
    const t0 = performance.now();
    let outcome: string;
    try {
      install(casePath, { ...trust, target: t.target, dryRun: true });
      try {
        install(casePath, { ...trust, target: t.target });
        const v = verify({ target: t.target });
        // What the pack added or changed must verify. Files it does not describe are only "unexpected",
        // and install does not inspect `keep` entries (docs/architecture.md), so those may differ.
        const written = writtenPaths(bytes);
        const bad = [...v.modified.map((m) => m.path), ...v.missing].filter((p) => written.has(p));
        if (bad.length > 0) problems.push(`installed, but verify finds ${bad.join(', ')} not as the pack wrote them`);
        outcome = 'installed';
      } catch (err) {
        if (!isServicePackError(err)) throw err;
        outcome = `dry-run-only:${err.code}`;
      }
    } catch (err) {
      outcome = isServicePackError(err) ? err.code : 'uncaught';
      if (!isServicePackError(err)) problems.push(`uncaught ${err instanceof Error ? err.stack : String(err)}`);
    }
    const ms = performance.now() - t0;
    report.maxCaseMs = Math.max(report.maxCaseMs, ms);
    if (ms > maxCaseMs) problems.push(`took ${ms.toFixed(0)} ms`);
    if (hashTree(t.sentinel) !== t.sentinelHash) problems.push('the sentinel beside the target changed');
    if (outcome === 'installed') t.reset();
    else if (hashTree(t.target) !== t.hash || existsSync(join(t.target, '.servicepack'))) problems.push('the target changed');
    report.outcomes[outcome] = (report.outcomes[outcome] ?? 0) + 1;
    report.byKind[kind] = (report.byKind[kind] ?? 0) + 1;
    if (problems.length > 0) {
      const file = join(tmpdir(), `servicepack-fuzz-failure-${options.seed}-${index}.svp`);
      writeFileSync(file, bytes);
      report.failures.push({ index, kind, problem: problems.join('; '), file });
      t.reset();
      t.hash = hashTree(t.target);
    }
    if ((index + 1) % 1000 === 0) options.onProgress?.(index + 1);
  }
  report.seconds = (performance.now() - started) / 1000;
  return report;
}
