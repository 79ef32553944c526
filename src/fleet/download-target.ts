// Downloads one repository file named by signed metadata into the target's download directory, resuming
// a partial file left by an earlier, interrupted sync (even one killed with SIGKILL): HTTP Range from its
// length, If-Range with the validator the server gave then, so a changed file is fetched whole. Nothing
// is used before its length and SHA-256 match the metadata.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Dispatcher } from 'undici';
import { ServicePackError, hasErrno, interruptedError } from '../errors/index.js';
import { openUrl } from './open-url.js';

export interface DownloadOptions {
  dispatcher: Dispatcher;
  /** Bytes per second at most (the `--max-rate` cap); unlimited when absent. */
  maxRate?: number;
  signal?: AbortSignal;
  /** Polled between chunks: a signal name stops the download (the partial file stays, to resume). */
  stopRequested?: () => string | null;
}

export interface Downloaded {
  file: string;
  /** Bytes received by this call (0 when the verified file was there already). */
  received: number;
  /** The length of the partial file this call resumed from (0 for a fresh download). */
  resumedFrom: number;
}

export interface ExpectedFile {
  length: number;
  sha256: string;
}

export async function downloadTarget(url: string, expected: ExpectedFile, dir: string, opts: DownloadOptions): Promise<Downloaded> {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const final = path.join(dir, `${expected.sha256}.download`);
  if (matches(final, expected)) return { file: final, received: 0, resumedFrom: 0 };
  const first = await fetchInto(url, expected, dir, opts);
  if (matches(first.part, expected)) return finish(first, final);
  fs.rmSync(first.part, { force: true });
  fs.rmSync(`${first.part}.json`, { force: true });
  // A resumed file can be damaged where an earlier run stopped (a power loss keeps a length but not
  // the bytes): one fresh download tells that apart from a file that is wrong on the server.
  if (first.resumedFrom > 0) {
    const again = await fetchInto(url, expected, dir, opts);
    if (matches(again.part, expected)) return finish(again, final);
    fs.rmSync(again.part, { force: true });
    fs.rmSync(`${again.part}.json`, { force: true });
  }
  throw corrupt(url, final, `its length or SHA-256 is not the ${expected.length} bytes and ${expected.sha256} the signed metadata lists`);
}

interface Fetched {
  part: string;
  received: number;
  resumedFrom: number;
}

async function fetchInto(url: string, expected: ExpectedFile, dir: string, opts: DownloadOptions): Promise<Fetched> {
  const part = path.join(dir, `${expected.sha256}.part`);
  const metaFile = `${part}.json`;
  const meta = readMeta(metaFile);
  let have = meta !== null && meta.url === url && meta.validator !== null ? sizeOr0(part) : 0;
  if (have >= expected.length) have = 0;
  const opened = await openUrl(url, { dispatcher: opts.dispatcher, start: have, ifRange: meta?.validator ?? null, ...(opts.signal ? { signal: opts.signal } : {}) });
  const from = opened.start;
  // The validator is kept before any byte, so that the part file is never resumed against another version.
  fs.writeFileSync(metaFile, JSON.stringify({ url, validator: opened.validator }));
  const fd = fs.openSync(part, from === 0 ? 'w' : 'r+', 0o600);
  let received = 0;
  try {
    if (from === 0) fs.ftruncateSync(fd, 0);
    const began = Date.now();
    for await (const chunk of opened.body) {
      if (from + received + chunk.length > expected.length) {
        opened.close();
        throw corrupt(url, part, `the server sent more than the ${expected.length} bytes the signed metadata lists`);
      }
      fs.writeSync(fd, chunk, 0, chunk.length, from + received);
      received += chunk.length;
      const stop = opts.stopRequested?.() ?? null;
      if (stop !== null) {
        opened.close();
        throw interruptedError(stop);
      }
      if (opts.maxRate !== undefined) {
        const wait = (received / opts.maxRate) * 1000 - (Date.now() - began);
        if (wait > 0) await sleep(wait, undefined, opts.signal ? { signal: opts.signal } : {});
      }
    }
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  return { part, received, resumedFrom: from };
}

function finish(f: Fetched, final: string): Downloaded {
  fs.renameSync(f.part, final);
  fs.rmSync(`${f.part}.json`, { force: true });
  return { file: final, received: f.received, resumedFrom: f.resumedFrom };
}

/** True when `file` exists with the expected length and SHA-256 (read in chunks: packs can be large). */
export function matches(file: string, expected: ExpectedFile): boolean {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (err) {
    if (!hasErrno(err, 'ENOENT')) throw err;
    return false;
  }
  try {
    if (fs.fstatSync(fd).size !== expected.length) return false;
    const hash = createHash('sha256');
    const buf = Buffer.allocUnsafe(1 << 20);
    for (let n; (n = fs.readSync(fd, buf, 0, buf.length, null)) > 0;) hash.update(buf.subarray(0, n));
    return hash.digest('hex') === expected.sha256;
  } finally {
    fs.closeSync(fd);
  }
}

function readMeta(file: string): { url: string; validator: string | null } | null {
  try {
    const v = JSON.parse(fs.readFileSync(file, 'utf8')) as { url?: unknown; validator?: unknown };
    return typeof v.url === 'string' ? { url: v.url, validator: typeof v.validator === 'string' ? v.validator : null } : null;
  } catch (err) {
    // Missing, or cut short by a crash while written: download from the start.
    if (hasErrno(err, 'ENOENT') || err instanceof SyntaxError) return null;
    throw err;
  }
}

function sizeOr0(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch (err) {
    if (!hasErrno(err, 'ENOENT')) throw err;
    return 0;
  }
}

export const corrupt = (url: string, file: string, reason: string): ServicePackError<'DOWNLOAD_CORRUPT'> =>
  new ServicePackError('DOWNLOAD_CORRUPT', `${url}: ${reason}`, {
    hint: 'The file on the server is not the one the repository signed: re-upload targets/ from the publishing machine. The download was discarded; the target was not changed.',
    details: { url, path: file, reason },
  });
