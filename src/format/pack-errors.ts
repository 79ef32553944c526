// Constructors for the PACK_* errors the format code throws, so messages and hints stay uniform.
import { ServicePackError } from '../errors/index.js';
import { FORMAT_VERSION } from './manifest.js';

/** PACK_INVALID: the file is damaged or not a well-formed pack. `offset` is the byte offset when known. */
export function packInvalid(path: string, reason: string, offset?: number): ServicePackError<'PACK_INVALID'> {
  return new ServicePackError('PACK_INVALID', `${path} is not a valid service pack: ${reason}.`, {
    hint: 'The file is damaged or not a service pack. Copy or download it again, or rebuild it.',
    details: offset === undefined ? { path, reason } : { path, offset, reason },
  });
}

/** PACK_UNSUPPORTED: a format version or feature (such as a blob encoding) this reader does not know. */
export function packUnsupported(path: string, what: string, formatVersion: number): ServicePackError<'PACK_UNSUPPORTED'> {
  return new ServicePackError('PACK_UNSUPPORTED', `${path} uses ${what}, which this servicepack does not read (it reads format ${FORMAT_VERSION}).`, {
    hint: 'Use a servicepack release that reads this pack, or rebuild the pack with this release.',
    details: { path, formatVersion, supported: FORMAT_VERSION },
  });
}

/** PACK_CORRUPT: payload bytes of `entry` do not match what the manifest declares. */
export function packCorrupt(path: string, entry: string, expected: string, actual: string): ServicePackError<'PACK_CORRUPT'> {
  return new ServicePackError('PACK_CORRUPT', `${path} is corrupt: the payload of ${entry} does not match its manifest (expected ${expected}, got ${actual}).`, {
    hint: 'The pack was damaged in transit or on disk. Copy or download it again; nothing was installed from it.',
    details: { path, entry, expected, actual },
  });
}

/** PACK_UNSAFE_PATH for a path this platform's file system cannot hold (a Windows device name, ...). */
export function packPathNotRepresentable(entry: string, reason: string): ServicePackError<'PACK_UNSAFE_PATH'> {
  return new ServicePackError('PACK_UNSAFE_PATH', `Unsafe path in service pack: ${JSON.stringify(entry)}: ${reason}.`, {
    hint: 'The pack was built from a tree with names this file system cannot hold (`servicepack build` warns about them). Rebuild it without those names. Nothing in the target was changed.',
    details: { entry, reason },
  });
}

/** PACK_UNSAFE_PATH: `entry` names a path that could escape or confuse the target. */
export function packUnsafePath(entry: string, reason: string): ServicePackError<'PACK_UNSAFE_PATH'> {
  return new ServicePackError('PACK_UNSAFE_PATH', `Unsafe path in service pack: ${JSON.stringify(entry)}: ${reason}.`, {
    hint: 'The pack names a path servicepack cannot install safely; it is damaged or was tampered with. Do not install it.',
    details: { entry, reason },
  });
}
