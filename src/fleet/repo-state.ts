// Reads the current signed metadata of a fleet repository on disk and writes the next versions:
// targets, then snapshot, then timestamp, each file whole or not at all, so that a reader (or an upload
// that runs meanwhile) sees either the old timestamp or a new one whose every file is already there.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Metadata, MetadataKind, MetaFile, Snapshot, Targets, Timestamp, type Root, type TargetFile } from '@tufjs/models';
import { ServicePackError, hasErrno } from '../errors/index.js';
import { writeFileAtomic, type Durability } from '../fs/durable.js';
import { metadataDirOf } from './repo-layout.js';
import { loadRoleKey, signerOf, type RoleName } from './role-keys.js';

export const SPEC_VERSION = '1.0.31';

/** How long each role's signature is good for, in days (docs/fleet.md, "Expiry"). */
export const EXPIRY_DAYS: Record<RoleName, number> = { root: 365, targets: 90, snapshot: 90, timestamp: 7 };

export interface RepoState {
  root: Metadata<Root>;
  targets: Metadata<Targets>;
  snapshot: Metadata<Snapshot>;
  timestamp: Metadata<Timestamp>;
}

/** A repository being made has a root only. */
export type RepoBase = Pick<RepoState, 'root'> & Partial<RepoState>;

const versionOf = (md: { signed: { version: number } } | undefined): number => md?.signed.version ?? 0;

/** Options of every command that signs metadata. */
export interface SigningOptions {
  /** The clock expiries are computed from (default now). */
  now?: Date;
  /** Days the new timestamp is valid (default EXPIRY_DAYS.timestamp). */
  timestampDays?: number;
}

export const expiryAfter = (now: Date, days: number): string => new Date(now.getTime() + days * 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The bytes a metadata file is written as (any JSON is fine: signatures cover canonical JSON). */
export const metadataBytes = (md: { toJSON(): object }): Buffer => Buffer.from(`${JSON.stringify(md.toJSON(), null, 1)}\n`);

export function readRepo(repo: string): RepoState {
  const dir = metadataDirOf(repo);
  const timestamp = readRole(dir, 'timestamp.json', MetadataKind.Timestamp);
  const snapshot = readRole(dir, `${timestamp.signed.snapshotMeta.version}.snapshot.json`, MetadataKind.Snapshot);
  const targetsMeta = snapshot.signed.meta['targets.json'];
  if (targetsMeta === undefined) throw invalid(path.join(dir, `${snapshot.signed.version}.snapshot.json`), 'lists no targets.json');
  const targets = readRole(dir, `${targetsMeta.version}.targets.json`, MetadataKind.Targets);
  return { root: readRole(dir, `${latestRootVersion(dir)}.root.json`, MetadataKind.Root), targets, snapshot, timestamp };
}

/** The highest N of metadata/N.root.json. */
export function latestRootVersion(dir: string): number {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (err) {
    if (!hasErrno(err, 'ENOENT', 'ENOTDIR')) throw err;
    throw invalid(dir, 'is not a fleet repository (no metadata/ directory)');
  }
  const versions = names.map((n) => /^(\d+)\.root\.json$/.exec(n)?.[1]).filter((v) => v !== undefined).map(Number);
  if (versions.length === 0) throw invalid(dir, 'holds no N.root.json');
  return Math.max(...versions);
}

function readRole<K extends MetadataKind.Root | MetadataKind.Timestamp | MetadataKind.Snapshot | MetadataKind.Targets>(dir: string, name: string, kind: K) {
  const file = path.join(dir, name);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if (!hasErrno(err, 'ENOENT', 'ENOTDIR')) throw err;
    throw invalid(file, 'is missing: this is not a fleet repository, or an incomplete copy of one');
  }
  try {
    // The overloads of fromJSON are per kind; one call site serves them all.
    return Metadata.fromJSON(kind as MetadataKind.Root, JSON.parse(text)) as unknown as Metadata<K extends MetadataKind.Root ? Root : K extends MetadataKind.Timestamp ? Timestamp : K extends MetadataKind.Snapshot ? Snapshot : Targets>;
  } catch (err) {
    throw invalid(file, `cannot be parsed: ${err instanceof Error ? err.message : String(err)}`);
  }
}

const invalid = (file: string, reason: string) =>
  new ServicePackError('REPO_INVALID', `${file} ${reason}`, { hint: 'Point --repo at a directory made by `servicepack repo init`.', details: { path: file, reason } });

/**
 * Signs and writes the next targets metadata (holding `targets`), a snapshot naming it and a timestamp
 * naming that, with the keys in `keyDir`. Returns the new state.
 */
export function writeTargets(repo: string, keyDir: string, state: RepoBase, targets: Record<string, TargetFile>, platform: Durability, opts: SigningOptions = {}): RepoState {
  const now = opts.now ?? new Date();
  const dir = metadataDirOf(repo);
  const nextTargets = new Metadata(new Targets({ version: versionOf(state.targets) + 1, specVersion: SPEC_VERSION, expires: expiryAfter(now, EXPIRY_DAYS.targets), targets }));
  nextTargets.sign(signerOf(checkedKey(keyDir, 'targets', state.root)));
  writeFileAtomic(path.join(dir, `${nextTargets.signed.version}.targets.json`), metadataBytes(nextTargets), platform);
  const nextSnapshot = new Metadata(new Snapshot({
    version: versionOf(state.snapshot) + 1, specVersion: SPEC_VERSION, expires: expiryAfter(now, EXPIRY_DAYS.snapshot),
    meta: { 'targets.json': new MetaFile({ version: nextTargets.signed.version }) },
  }));
  nextSnapshot.sign(signerOf(checkedKey(keyDir, 'snapshot', state.root)));
  const snapshotBytes = metadataBytes(nextSnapshot);
  writeFileAtomic(path.join(dir, `${nextSnapshot.signed.version}.snapshot.json`), snapshotBytes, platform);
  const next = { ...state, targets: nextTargets, snapshot: nextSnapshot };
  return { ...next, timestamp: writeTimestamp(repo, keyDir, next, snapshotBytes, platform, opts) };
}

/** Signs and writes the next timestamp.json for the current snapshot (re-signing before it expires). */
export function writeTimestamp(repo: string, keyDir: string, state: RepoBase & { snapshot: Metadata<Snapshot> }, snapshotBytes: Buffer | null, platform: Durability, opts: SigningOptions = {}): Metadata<Timestamp> {
  const now = opts.now ?? new Date();
  const bytes = snapshotBytes ?? fs.readFileSync(path.join(metadataDirOf(repo), `${state.snapshot.signed.version}.snapshot.json`));
  const ts = new Metadata(new Timestamp({
    version: versionOf(state.timestamp) + 1, specVersion: SPEC_VERSION, expires: expiryAfter(now, opts.timestampDays ?? EXPIRY_DAYS.timestamp),
    snapshotMeta: new MetaFile({ version: state.snapshot.signed.version, length: bytes.length, hashes: { sha256: createHash('sha256').update(bytes).digest('hex') } }),
  }));
  ts.sign(signerOf(checkedKey(keyDir, 'timestamp', state.root)));
  writeFileAtomic(path.join(metadataDirOf(repo), 'timestamp.json'), metadataBytes(ts), platform);
  return ts;
}

/** The role's key from `keyDir`, refused unless the repository's root names it for that role. */
function checkedKey(keyDir: string, role: RoleName, root: Metadata<Root>) {
  const k = loadRoleKey(keyDir, role);
  if (root.signed.roles[role]?.keyIDs.includes(k.key.keyID) !== true) {
    throw new ServicePackError('REPO_INVALID', `${role}.key in ${keyDir} is not the ${role} key of this repository`, {
      hint: 'Use the key directory repo init wrote for this repository.',
      details: { path: path.join(keyDir, `${role}.key`), reason: `key ${k.key.keyID} is not in root's ${role} role` },
    });
  }
  return k;
}
