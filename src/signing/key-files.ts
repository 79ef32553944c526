// Reading and writing key files: `<name>.key` (secret, mode 0600) and `<name>.pub`. Reads are bounded
// (a key file is a few hundred bytes); writes never replace an existing key.
import * as fs from 'node:fs';
import { hasErrno } from '../errors/index.js';
import { fsyncDir, writeNewFile, type Durability } from '../fs/durable.js';
import { dirname } from 'node:path';
import { generateRawKeyPair } from './ed25519.js';
import { KEY_ID_BYTES, keyIdHex } from './key-id.js';
import { formatPublicKey, parsePublicKey, type PublicKey } from './minisign-public-key.js';
import { formatSecretKey, parseSecretKey, type SecretKey } from './minisign-secret-key.js';
import { randomBytes } from 'node:crypto';
import { keyInvalid } from './signing-errors.js';

const MAX_KEY_FILE_BYTES = 4096;

function readKeyText(path: string): string {
  let data: Buffer;
  try {
    const fd = fs.openSync(path, 'r');
    try {
      const st = fs.fstatSync(fd);
      if (!st.isFile()) throw keyInvalid(path, 'it is not a regular file');
      if (st.size > MAX_KEY_FILE_BYTES) throw keyInvalid(path, `it is ${st.size} bytes, more than a key file's ${MAX_KEY_FILE_BYTES}`);
      data = Buffer.alloc(st.size);
      let done = 0;
      while (done < data.length) {
        const n = fs.readSync(fd, data, done, data.length - done, done);
        if (n === 0) break;
        done += n;
      }
      data = data.subarray(0, done);
    } finally {
      fs.closeSync(fd);
    }
  } catch (err) {
    if (hasErrno(err, 'ENOENT', 'ENOTDIR', 'EACCES', 'EPERM', 'EISDIR', 'ELOOP', 'ENAMETOOLONG')) {
      throw keyInvalid(path, `it cannot be read (${(err as NodeJS.ErrnoException).code})`, err);
    }
    throw err;
  }
  return data.toString('utf8');
}

/** The public key in the `.pub` file at `path`. */
export function readPublicKeyFile(path: string): PublicKey {
  return parsePublicKey(readKeyText(path), path);
}

/** The secret key in the `.key` file at `path`, decrypted with `passphrase` when it is encrypted. */
export function readSecretKeyFile(path: string, passphrase?: string): SecretKey {
  return parseSecretKey(readKeyText(path), path, passphrase);
}

/** What keygen wrote. */
export interface KeyPairFiles {
  secretKeyFile: string;
  publicKeyFile: string;
  keyId: string;
}

/** Writes a new key pair to `<out>.key` (0600, unencrypted) and `<out>.pub`; refuses to replace either. */
export function writeKeyPair(out: string, platform: Durability): KeyPairFiles {
  const secretKeyFile = `${out}.key`;
  const publicKeyFile = `${out}.pub`;
  for (const f of [secretKeyFile, publicKeyFile]) {
    if (fs.existsSync(f)) throw keyInvalid(f, 'it already exists; keygen never replaces a key');
  }
  const { seed, publicKey } = generateRawKeyPair();
  const key: SecretKey = { keyId: randomBytes(KEY_ID_BYTES), seed, publicKey };
  writeNewFile(secretKeyFile, 0o600, (write) => write(Buffer.from(formatSecretKey(key))));
  writeNewFile(publicKeyFile, 0o644, (write) => write(Buffer.from(formatPublicKey(key))));
  fsyncDir(dirname(secretKeyFile), platform);
  return { secretKeyFile, publicKeyFile, keyId: keyIdHex(key.keyId) };
}
