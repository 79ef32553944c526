// Checks a pack file's signature against given public key files, without a target (`inspect
// --trusted-key`, like `minisign -V`): PACK_UNSIGNED, KEY_UNTRUSTED or SIGNATURE_INVALID when it fails.
import { openPack } from '../format/pack-reader.js';
import { checkSignature, type PackTrust } from './check-pack-trust.js';
import { readPublicKeyFile } from './key-files.js';

export function verifyPackFile(path: string, trustedKeyFiles: readonly string[]): PackTrust {
  const trustedKeys = trustedKeyFiles.map(readPublicKeyFile);
  const reader = openPack(path);
  try {
    return checkSignature(reader, { trustedKeys, allowUnsigned: false });
  } finally {
    reader.close();
  }
}
