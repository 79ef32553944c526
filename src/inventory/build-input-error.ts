// The BUILD_INPUT error: a release tree given to build is missing or holds something a pack cannot carry.
import { ServicePackError } from '../errors/index.js';

/** BUILD_INPUT naming the offending file system `path`. */
export function buildInputError(path: string, reason: string, cause?: unknown): ServicePackError<'BUILD_INPUT'> {
  return new ServicePackError('BUILD_INPUT', `Cannot build from ${path}: ${reason}.`, {
    hint: 'Give two release directories holding only regular files, directories and symlinks with UTF-8 names.',
    details: { path, reason },
    cause,
  });
}
