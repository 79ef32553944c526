// Shape check of a parsed manifest: every field present with the right JSON type and no unknown field,
// turning `unknown` into a typed Manifest. Cross-entry rules live in manifest-check.ts.
import type { BlobEncoding, BlobRecord, EntryAction, Manifest, ManifestEntry, PackHooks, TreeNode } from './manifest.js';
import { FORMAT_VERSION, PERMISSION_BITS, READABLE_FORMATS, SPECIAL_BITS, VERSION_1_DIR_MODE, VERSION_1_FILE_MODE } from './manifest.js';
import { CHANGES_ONLY_FORMAT } from './manifest.js';
import { healthProblem, type PackHealth } from './health.js';
import { packInvalid, packUnsupported } from './pack-errors.js';
import { codecNamed } from './codecs/codecs.js';
import type { TreeCommitment } from './tree-commitment.js';
import { CELL_BYTES, MAX_CELLS_PER_PART, SKETCH_PARTS } from './tree-sketch.js';

export const MAX_ENTRIES = 1_000_000;
export const MAX_SYMLINK_TARGET_BYTES = 4096;
export const MAX_HOOK_ARGS = 256;
export const MAX_HOOK_ARG_BYTES = 4096;

const TOP_FIELDS = ['format', 'product', 'fromVersion', 'toVersion', 'entries', 'blobs'];
const OPTIONAL_TOP_FIELDS = ['expires', 'hooks', 'health', 'baseTree', 'resultTree'];
/**
 * The first format whose manifests may carry `health` (docs/format.md "Health checks"): the format
 * this release writes, whatever older readers would make of it (they refuse it either way).
 */
export const HEALTH_SINCE_FORMAT = 2;

const ACTIONS: readonly EntryAction[] = ['add', 'change', 'remove', 'keep'];
const SHA256_HEX = /^[0-9a-f]{64}$/;

type JsonObject = Record<string, unknown>;

/** Checks the JSON shape of a whole manifest; `packPath` is named in errors. */
export function parseManifest(value: unknown, packPath: string): Manifest {
  const fail = (reason: string): never => {
    throw packInvalid(packPath, reason);
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail('the manifest is not a JSON object');
  const known = [...TOP_FIELDS, ...OPTIONAL_TOP_FIELDS];
  // A field this reader does not know was added by a newer writer and may change what an install must
  // do (health checks did): refuse it as unsupported, never install without it.
  const unknown = Object.keys(value).find((k) => !known.includes(k));
  if (unknown !== undefined) throw packUnsupported(packPath, `manifest field "${unknown}"`, Number.isSafeInteger((value as JsonObject).format) ? (value as JsonObject).format as number : 0);
  const top = objectWithKeys(value, TOP_FIELDS, OPTIONAL_TOP_FIELDS, 'the manifest', fail);
  if (!Number.isSafeInteger(top.format)) fail('the manifest "format" is not an integer');
  if (!READABLE_FORMATS.includes(top.format as number)) throw packUnsupported(packPath, `manifest format ${String(top.format)}`, top.format as number);
  const format = top.format as number;
  const product = label(top.product, 'product', fail);
  const fromVersion = label(top.fromVersion, 'fromVersion', fail);
  const toVersion = label(top.toVersion, 'toVersion', fail);
  if (!Array.isArray(top.entries)) return fail('the manifest "entries" is not an array');
  if (!Array.isArray(top.blobs)) return fail('the manifest "blobs" is not an array');
  if (top.entries.length > MAX_ENTRIES) fail(`the manifest has ${top.entries.length} entries, more than ${MAX_ENTRIES}`);
  if (top.blobs.length > top.entries.length) fail(`the manifest has ${top.blobs.length} blobs, more than its ${top.entries.length} entries`);
  const entries = top.entries.map((e: unknown, i: number) => parseEntry(e, i, packPath, format));
  const blobs = top.blobs.map((b: unknown, i: number) => parseBlob(b, i, packPath));
  const manifest: Manifest = { format, product, fromVersion, toVersion, entries, blobs };
  if (Object.hasOwn(top, 'expires')) {
    if (typeof top.expires !== 'string' || !isExpiryTime(top.expires)) fail('the manifest "expires" is not a UTC time of the form YYYY-MM-DDTHH:MM:SSZ');
    manifest.expires = top.expires as string;
  }
  if (Object.hasOwn(top, 'hooks')) manifest.hooks = parseHooks(top.hooks, fail);
  for (const key of ['baseTree', 'resultTree'] as const) {
    const changesOnly = format >= CHANGES_ONLY_FORMAT;
    if (changesOnly !== Object.hasOwn(top, key)) fail(changesOnly ? `a format ${format} manifest has no "${key}"` : `a format ${format} manifest must not have "${key}"`);
    if (changesOnly) manifest[key] = parseTree(top[key], key, fail);
  }
  if (Object.hasOwn(top, 'health')) {
    if (format < HEALTH_SINCE_FORMAT) fail(`the manifest "health" needs format ${HEALTH_SINCE_FORMAT} or later`);
    const problem = healthProblem(top.health, 'the manifest "health"');
    if (problem !== undefined) fail(problem);
    manifest.health = top.health as PackHealth;
  }
  return manifest;
}

/** True for a real UTC time written exactly as `YYYY-MM-DDTHH:MM:SSZ`. */
export function isExpiryTime(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(value)) return false;
  const ms = Date.parse(value);
  return Number.isFinite(ms) && new Date(ms).toISOString() === `${value.slice(0, 19)}.000Z`;
}

function parseHooks(value: unknown, fail: (reason: string) => never): PackHooks {
  const o = objectWithKeys(value, [], ['pre', 'post'], 'the manifest "hooks"', fail);
  if (Object.keys(o).length === 0) fail('the manifest "hooks" is empty (leave it out instead)');
  const hooks: PackHooks = {};
  for (const phase of ['pre', 'post'] as const) {
    if (!Object.hasOwn(o, phase)) continue;
    const argv = o[phase];
    const what = `the ${phase} hook`;
    if (!Array.isArray(argv) || argv.length === 0) fail(`${what} is not a non-empty array of strings`);
    const args = argv as unknown[];
    if (args.length > MAX_HOOK_ARGS) fail(`${what} has ${args.length} arguments, more than ${MAX_HOOK_ARGS}`);
    for (const a of args) {
      if (typeof a !== 'string') fail(`${what} has an argument that is not a string`);
      if ((a as string).includes('\0')) fail(`${what} has an argument with a NUL character`);
      if (Buffer.byteLength(a as string, 'utf8') > MAX_HOOK_ARG_BYTES) fail(`${what} has an argument longer than ${MAX_HOOK_ARG_BYTES} bytes`);
    }
    if (args[0] === '') fail(`${what}'s program (its first argument) is empty`);
    hooks[phase] = args as string[];
  }
  return hooks;
}

/** A tree commitment: `baseTree` carries the sketch of its nodes, `resultTree` none. */
function parseTree(value: unknown, key: 'baseTree' | 'resultTree', fail: (reason: string) => never): TreeCommitment {
  const what = `the manifest "${key}"`;
  const o = key === 'baseTree' ? objectWithKeys(value, ['nodes', 'sha256', 'sketch'], [], what, fail) : objectWithKeys(value, ['nodes', 'sha256'], [], what, fail);
  if (!Number.isSafeInteger(o.nodes) || (o.nodes as number) < 0) fail(`${what} "nodes" is not a non-negative integer`);
  if (typeof o.sha256 !== 'string' || !SHA256_HEX.test(o.sha256)) fail(`${what} "sha256" is not 64 lowercase hex digits`);
  const tree: TreeCommitment = { nodes: o.nodes as number, sha256: o.sha256 as string };
  if (key === 'baseTree') {
    const part = SKETCH_PARTS * CELL_BYTES;
    const text = o.sketch;
    // Bounded before decoding: at most MAX_CELLS_PER_PART cells per part.
    if (typeof text !== 'string' || text.length > Math.ceil((MAX_CELLS_PER_PART * part) / 3) * 4) fail(`${what} "sketch" is not a string of at most ${MAX_CELLS_PER_PART * part} bytes in base64`);
    const bytes = Buffer.from(text as string, 'base64');
    if (bytes.toString('base64') !== text || bytes.length === 0 || bytes.length % part !== 0) {
      fail(`${what} "sketch" is not canonical base64 of a whole number of ${SKETCH_PARTS} × ${CELL_BYTES}-byte cells`);
    }
    tree.sketch = text as string;
  }
  return tree;
}

function label(value: unknown, name: string, fail: (reason: string) => never): string {
  if (typeof value !== 'string' || value.length === 0) fail(`the manifest "${name}" is not a non-empty string`);
  return value as string;
}

function parseEntry(value: unknown, index: number, packPath: string, format: number): ManifestEntry {
  const where = typeof (value as JsonObject | null)?.path === 'string' ? `entry ${JSON.stringify((value as JsonObject).path)}` : `entry #${index}`;
  const fail = (reason: string): never => {
    throw packInvalid(packPath, `${where}: ${reason}`);
  };
  const o = objectWithKeys(value, ['path', 'action'], ['old', 'new', 'blob'], where, fail);
  if (typeof o.path !== 'string') fail('"path" is not a string');
  const action = o.action as EntryAction;
  if (!ACTIONS.includes(action)) fail(`unknown action ${JSON.stringify(o.action)}`);
  const needOld = action === 'change' || action === 'remove';
  const needNew = action !== 'remove';
  if (needOld !== Object.hasOwn(o, 'old')) fail(needOld ? `a ${action} entry has no "old" node` : `a ${action} entry must not have an "old" node`);
  if (needNew !== Object.hasOwn(o, 'new')) fail(needNew ? `a ${action} entry has no "new" node` : `a ${action} entry must not have a "new" node`);
  const entry: ManifestEntry = { path: o.path as string, action };
  const parse = format === 1 ? parseVersion1Node : parseNode;
  if (needOld) entry.old = parse(o.old, '"old"', fail);
  if (needNew) entry.new = parse(o.new, '"new"', fail);
  const needBlob = (action === 'add' || action === 'change') && entry.new?.type === 'file';
  if (needBlob !== Object.hasOwn(o, 'blob')) fail(needBlob ? 'the entry has no "blob" though its new node is an added or changed file' : 'the entry must not have a "blob"');
  if (needBlob) {
    if (!Number.isSafeInteger(o.blob) || (o.blob as number) < 0) fail('"blob" is not a non-negative integer');
    entry.blob = o.blob as number;
  }
  return entry;
}

/** A version-2 node: files and directories carry `mode`, a file may name its `hardlink` leader. */
function parseNode(value: unknown, name: string, fail: (reason: string) => never): TreeNode {
  const type = (value as JsonObject | null)?.type;
  if (type === 'file') {
    const o = objectWithKeys(value, ['type', 'sha256', 'size', 'mode'], ['hardlink', 'sparse'], `the ${name} node`, fail);
    const node: TreeNode = { type: 'file', ...fileContent(o, name, fail), mode: modeOf(o, name, fail) };
    if (Object.hasOwn(o, 'hardlink')) {
      if (typeof o.hardlink !== 'string' || o.hardlink.length === 0) fail(`the ${name} node's "hardlink" is not a non-empty string`);
      node.hardlink = o.hardlink as string;
    }
    if (Object.hasOwn(o, 'sparse')) {
      if (o.sparse !== true) fail(`the ${name} node's "sparse" is not true (leave it out instead)`);
      node.sparse = true;
    }
    return node;
  }
  if (type === 'dir') {
    const o = objectWithKeys(value, ['type', 'mode'], [], `the ${name} node`, fail);
    return { type: 'dir', mode: modeOf(o, name, fail) };
  }
  return parseSymlink(value, type, name, fail);
}

/** A version-1 node: only the owner-exec bit, read as the modes version 1 installed. */
function parseVersion1Node(value: unknown, name: string, fail: (reason: string) => never): TreeNode {
  const type = (value as JsonObject | null)?.type;
  if (type === 'file') {
    const o = objectWithKeys(value, ['type', 'sha256', 'size', 'executable'], [], `the ${name} node`, fail);
    if (typeof o.executable !== 'boolean') fail(`the ${name} node's "executable" is not a boolean`);
    return { type: 'file', ...fileContent(o, name, fail), mode: VERSION_1_FILE_MODE(o.executable as boolean) };
  }
  if (type === 'dir') {
    objectWithKeys(value, ['type'], [], `the ${name} node`, fail);
    return { type: 'dir', mode: VERSION_1_DIR_MODE };
  }
  return parseSymlink(value, type, name, fail);
}

function fileContent(o: JsonObject, name: string, fail: (reason: string) => never): { sha256: string; size: number } {
  if (typeof o.sha256 !== 'string' || !SHA256_HEX.test(o.sha256)) fail(`the ${name} node's "sha256" is not 64 lowercase hex digits`);
  if (!Number.isSafeInteger(o.size) || (o.size as number) < 0) fail(`the ${name} node's "size" is not a non-negative integer`);
  return { sha256: o.sha256 as string, size: o.size as number };
}

function modeOf(o: JsonObject, name: string, fail: (reason: string) => never): number {
  if (!Number.isSafeInteger(o.mode) || (o.mode as number) < 0 || (o.mode as number) > (PERMISSION_BITS | SPECIAL_BITS)) {
    fail(`the ${name} node's "mode" is not an integer from 0 to 4095 (0o7777)`);
  }
  return o.mode as number;
}

function parseSymlink(value: unknown, type: unknown, name: string, fail: (reason: string) => never): TreeNode {
  if (type === 'symlink') {
    const o = objectWithKeys(value, ['type', 'target'], [], `the ${name} node`, fail);
    if (typeof o.target !== 'string' || o.target.length === 0) fail(`the ${name} symlink target is not a non-empty string`);
    const target = o.target as string;
    if (target.includes('\0')) fail(`the ${name} symlink target contains a NUL character`);
    if (Buffer.byteLength(target, 'utf8') > MAX_SYMLINK_TARGET_BYTES) fail(`the ${name} symlink target is longer than ${MAX_SYMLINK_TARGET_BYTES} bytes`);
    return { type: 'symlink', target };
  }
  return fail(`the ${name} node has unknown type ${JSON.stringify(type)}`);
}

function parseBlob(value: unknown, index: number, packPath: string): BlobRecord {
  const fail = (reason: string): never => {
    throw packInvalid(packPath, `blob #${index}: ${reason}`);
  };
  const o = objectWithKeys(value, ['offset', 'storedSize', 'storedSha256', 'encoding', 'size', 'sha256'], ['base'], `blob #${index}`, fail);
  for (const key of ['offset', 'storedSize', 'size'] as const) {
    if (!Number.isSafeInteger(o[key]) || (o[key] as number) < 0) fail(`"${key}" is not a non-negative integer`);
  }
  for (const key of ['storedSha256', 'sha256'] as const) {
    if (typeof o[key] !== 'string' || !SHA256_HEX.test(o[key])) fail(`"${key}" is not 64 lowercase hex digits`);
  }
  if (typeof o.encoding !== 'string') fail('"encoding" is not a string');
  const codec = codecNamed(o.encoding as string);
  if (codec === undefined) throw packUnsupported(packPath, `blob encoding ${JSON.stringify(o.encoding)} (blob #${index})`, FORMAT_VERSION);
  const encoding = o.encoding as BlobEncoding;
  const needBase = codec.needsBase;
  if (needBase !== Object.hasOwn(o, 'base')) fail(needBase ? `a ${encoding} blob has no "base"` : `a ${encoding} blob must not have a "base"`);
  if (needBase && (typeof o.base !== 'string' || !SHA256_HEX.test(o.base))) fail('"base" is not 64 lowercase hex digits');
  const blob: BlobRecord = {
    offset: o.offset as number,
    storedSize: o.storedSize as number,
    storedSha256: o.storedSha256 as string,
    encoding,
    size: o.size as number,
    sha256: o.sha256 as string,
  };
  if (needBase) blob.base = o.base as string;
  return blob;
}

/** `value` as a plain object holding every `required` key, and no key outside `required` and `optional`. */
function objectWithKeys(value: unknown, required: string[], optional: string[], what: string, fail: (reason: string) => never): JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail(`${what} is not a JSON object`);
  const o = value as JsonObject;
  for (const key of required) if (!Object.hasOwn(o, key)) fail(`${what} has no "${key}"`);
  for (const key of Object.keys(o)) {
    if (!required.includes(key) && !optional.includes(key)) fail(`${what} has an unknown field "${key}"`);
  }
  return o;
}
