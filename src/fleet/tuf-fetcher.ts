// tuf-js's pluggable fetcher, over openUrl: the same proxies and file:// support as pack downloads. HTTP
// failures reach tuf-js as its DownloadHTTPError (a 404 for the next root version is how it learns
// that the root it has is the newest); the first failure is kept, since tuf-js rewraps some of them.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Dispatcher } from 'undici';
import type { Fetcher } from 'tuf-js';
import { DownloadHTTPError, DownloadLengthMismatchError } from 'tuf-js/dist/error.js';
import { isServicePackError, type ServicePackError } from '../errors/index.js';
import { openUrl } from './open-url.js';

export interface RepoFetcher extends Fetcher {
  /** The last transport failure (REPO_UNREACHABLE), to report instead of tuf-js's rewrapped message. */
  lastFailure: ServicePackError<'REPO_UNREACHABLE'> | null;
}

export function repoFetcher(dispatcher: Dispatcher, signal?: AbortSignal): RepoFetcher {
  const f: RepoFetcher = {
    lastFailure: null,
    async downloadBytes(url, maxLength) {
      let opened;
      try {
        opened = await openUrl(url, { dispatcher, ...(signal ? { signal } : {}) });
      } catch (err) {
        if (!isServicePackError(err, 'REPO_UNREACHABLE')) throw err;
        // A missing next root version is the normal end of the root walk, not a failure to report.
        if (!(err.details.status === 404 && /\/\d+\.root\.json$/.test(url))) f.lastFailure = err;
        if (err.details.status !== undefined) throw new DownloadHTTPError(err.message, err.details.status);
        throw err;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of opened.body) {
        size += chunk.length;
        if (size > maxLength) {
          opened.close();
          throw new DownloadLengthMismatchError(`${url} is longer than ${maxLength} bytes`);
        }
        chunks.push(Buffer.from(chunk));
      }
      return Buffer.concat(chunks);
    },
    async downloadFile(url, maxLength, handler) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'servicepack-tuf-'));
      try {
        const file = path.join(dir, 'download');
        fs.writeFileSync(file, await f.downloadBytes(url, maxLength));
        return await handler(file);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
  return f;
}
