// Turns what tuf-js throws while refreshing metadata into servicepack's codes. tuf-js rewraps failures
// of snapshot and targets loading into a RuntimeError carrying only the message, so those are told
// apart by the message it writes.
import { ServicePackError, isServicePackError } from '../errors/index.js';
import { BadVersionError, EqualVersionError, ExpiredMetadataError } from 'tuf-js/dist/error.js';
import type { RepoFetcher } from './tuf-fetcher.js';

export function metadataError(err: unknown, url: string, fetcher: RepoFetcher): ServicePackError {
  if (isServicePackError(err)) return err;
  if (fetcher.lastFailure !== null) return fetcher.lastFailure;
  const reason = err instanceof Error ? err.message : String(err);
  if (err instanceof ExpiredMetadataError || /is expired/.test(reason)) {
    return new ServicePackError('METADATA_EXPIRED', `the repository's metadata expired: ${reason}`, {
      hint: 'The publisher must re-sign (`servicepack repo timestamp`) and upload metadata/; check this machine\'s clock. The target was not changed.',
      details: { url, reason },
    });
  }
  if ((err instanceof BadVersionError && !(err instanceof EqualVersionError)) || /less than current version|does not match snapshot version|doesn't match timestamp/.test(reason)) {
    return new ServicePackError('METADATA_ROLLBACK', `the repository serves older metadata than this target trusts: ${reason}`, {
      hint: 'A stale mirror, cache or restored copy serves old metadata; serve the current one. The target was not changed.',
      details: { url, reason },
    });
  }
  // Anything else tuf-js or its models throw while reading untrusted bytes (RepositoryError, a length or
  // hash mismatch, JSON or field errors of a malformed file) means the metadata cannot be trusted.
  if (err instanceof Error) {
    return new ServicePackError('METADATA_INVALID', `the repository's metadata was refused: ${reason}`, {
      hint: 'Re-upload metadata/ from the publishing machine, and check that --root is this repository\'s root.json. The target was not changed.',
      details: { url, reason },
    });
  }
  throw err;
}
