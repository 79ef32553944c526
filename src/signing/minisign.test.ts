// Unit tests of the minisign formats: key and signature round trips, and the exact code for each kind
// of damage or mismatch. Interop with the real minisign tool is in test/minisign-interop.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isServicePackError, type ErrorCode } from '../errors/index.js';
import { generateRawKeyPair } from './ed25519.js';
import { keyIdHex } from './key-id.js';
import { formatPublicKey, parsePublicKey } from './minisign-public-key.js';
import { formatSecretKey, parseSecretKey, type SecretKey } from './minisign-secret-key.js';
import { parseSignature, signMessage, verifySignature } from './minisign-signature.js';
import { scryptParamsOf } from './scrypt-params.js';
import { checkPackTrust } from './check-pack-trust.js';
import type { Manifest } from '../format/manifest.js';

function newKey(id: number): SecretKey {
  const { seed, publicKey } = generateRawKeyPair();
  const keyId = Buffer.alloc(8);
  keyId.writeUInt32LE(id, 0);
  return { keyId, seed, publicKey };
}

function code(fn: () => unknown): ErrorCode | undefined {
  try {
    fn();
  } catch (err) {
    if (isServicePackError(err)) return err.code;
    throw err;
  }
  return undefined;
}

const key = newKey(0x01020304);
const message = Buffer.from('{"format":1}');

test('key ids print as minisign prints them: the little-endian number in upper-case hex', () => {
  assert.equal(keyIdHex(Buffer.from('0fa175c7ae537a3c', 'hex')), '3C7A53AEC775A10F');
});

test('public and secret key files round-trip', () => {
  const pub = parsePublicKey(formatPublicKey(key), 'k.pub');
  assert.deepEqual([pub.keyId, pub.publicKey], [key.keyId, key.publicKey]);
  assert.match(formatPublicKey(key), /^untrusted comment: minisign public key 0000000001020304\nRWQEAwIBAAAAA[A-Za-z0-9+/]{43}\n$/);
  const sec = parseSecretKey(formatSecretKey(key), 'k.key');
  assert.deepEqual([sec.keyId, sec.seed, sec.publicKey], [key.keyId, key.seed, key.publicKey]);
  assert.equal(parsePublicKey(formatPublicKey(key).replace(/\n/g, '\r\n'), 'crlf.pub').keyId.equals(key.keyId), true);
});

test('damaged key files are KEY_INVALID', () => {
  const pub = formatPublicKey(key);
  const [comment, body] = pub.split('\n') as [string, string];
  assert.equal(code(() => parsePublicKey(`${body}\n`, 'x')), 'KEY_INVALID');
  assert.equal(code(() => parsePublicKey(`${comment}\n${body.slice(0, -1)}\n`, 'x')), 'KEY_INVALID');
  assert.equal(code(() => parsePublicKey(`${comment}\n${Buffer.from(`Xx${Buffer.from(body, 'base64').subarray(2).toString('latin1')}`, 'latin1').toString('base64')}\n`, 'x')), 'KEY_INVALID');
  assert.equal(code(() => parsePublicKey(`${pub}extra\n`, 'x')), 'KEY_INVALID');
  assert.equal(code(() => parseSecretKey(pub, 'x')), 'KEY_INVALID', 'a public key where a secret key belongs');
  const other = newKey(1);
  assert.equal(code(() => parseSecretKey(formatSecretKey({ ...key, publicKey: other.publicKey }), 'x')), 'KEY_INVALID');
});

test('an encrypted secret key needs a passphrase', () => {
  const bytes = Buffer.from(formatSecretKey(key).split('\n')[1]!, 'base64');
  bytes.write('Sc', 2, 'latin1');
  bytes.writeBigUInt64LE(33554432n, 38);
  bytes.writeBigUInt64LE(1073741824n, 46);
  const text = `untrusted comment: minisign encrypted secret key\n${bytes.toString('base64')}\n`;
  assert.equal(code(() => parseSecretKey(text, 'x')), 'KEY_PASSPHRASE');
  bytes.writeBigUInt64LE(2n ** 40n, 38);
  bytes.writeBigUInt64LE(2n ** 40n, 46);
  assert.equal(code(() => parseSecretKey(`untrusted comment: x\n${bytes.toString('base64')}\n`, 'x', 'pw')), 'KEY_INVALID');
});

test('scrypt parameters follow libsodium for minisign\'s presets and are bounded', () => {
  assert.deepEqual(scryptParamsOf(33554432n, 1073741824n), { N: 2 ** 20, r: 8, p: 1 });
  assert.deepEqual(scryptParamsOf(524288n, 16777216n), { N: 2 ** 14, r: 8, p: 1 });
  assert.equal(scryptParamsOf(2n ** 40n, 2n ** 40n), undefined);
});

test('a signature verifies, and each alteration is refused with its code', () => {
  const text = signMessage(key, message, 'pack:abc');
  assert.deepEqual(verifySignature(message, text, [key], 's'), { keyId: '0000000001020304', trustedComment: 'pack:abc' });
  assert.equal(code(() => verifySignature(Buffer.from('{"format":2}'), text, [key], 's')), 'SIGNATURE_INVALID');
  assert.equal(code(() => verifySignature(message, text.replace('pack:abc', 'pack:abd'), [key], 's')), 'SIGNATURE_INVALID');
  assert.equal(code(() => verifySignature(message, text, [newKey(7)], 's')), 'KEY_UNTRUSTED');
  assert.equal(code(() => verifySignature(message, text, [{ ...newKey(0x01020304) }], 's')), 'SIGNATURE_INVALID', 'same key id, other key');
  const lines = text.split('\n');
  const legacy = Buffer.from(lines[1]!, 'base64');
  legacy.write('Ed', 0, 'latin1');
  assert.equal(code(() => parseSignature([lines[0], legacy.toString('base64'), ...lines.slice(2)].join('\n'), 's')), 'SIGNATURE_INVALID');
  assert.equal(code(() => parseSignature(text.replace('trusted comment: ', 'trusted: '), 's')), 'SIGNATURE_INVALID');
  assert.equal(code(() => parseSignature(`${text}more\n`, 's')), 'SIGNATURE_INVALID');
  assert.equal(code(() => parseSignature(text.replace(lines[3]!, `${lines[3]} `), 's')), 'SIGNATURE_INVALID');
});

test('checkPackTrust: unsigned, unknown key, expiry boundary', () => {
  const manifest = { format: 1, product: 'p', fromVersion: '1', toVersion: '2', expires: '2030-01-01T00:00:00Z', entries: [], blobs: [] } as Manifest;
  const signed = { path: 'p.svp', manifest, manifestBytes: message, signature: Buffer.from(signMessage(key, message, 'c')) };
  const unsigned = { ...signed, signature: Buffer.alloc(0) };
  const before = new Date('2029-12-31T23:59:59Z');
  assert.deepEqual(checkPackTrust(signed, { trustedKeys: [key], allowUnsigned: false, now: before }), { signed: true, verified: true, keyId: '0000000001020304' });
  assert.equal(code(() => checkPackTrust(signed, { trustedKeys: [key], allowUnsigned: false, now: new Date('2030-01-01T00:00:00Z') })), 'PACK_EXPIRED');
  assert.equal(code(() => checkPackTrust(unsigned, { trustedKeys: [key], allowUnsigned: false, now: before })), 'PACK_UNSIGNED');
  assert.equal(code(() => checkPackTrust(signed, { trustedKeys: [], allowUnsigned: false, now: before })), 'KEY_UNTRUSTED');
  assert.equal(checkPackTrust(signed, { trustedKeys: [], allowUnsigned: true, now: before }).verified, false);
  const forged = { ...signed, manifestBytes: Buffer.from('{"format":3}') };
  assert.equal(code(() => checkPackTrust(forged, { trustedKeys: [key], allowUnsigned: true, now: before })), 'SIGNATURE_INVALID', 'a checked signature that fails is refused even when unsigned packs are allowed');
});
