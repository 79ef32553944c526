// Unit tests of the version order, cross-checked against `dpkg --compare-versions` itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { needs } from '../../test/helpers/tools.js';
import { compareVersions } from './compare-versions.js';

const pairs: [string, string][] = [
  ['1.0', '2.0'], ['1.9', '1.10'], ['1.0', '1.0'], ['1.0', '1.00'], ['2.0~rc1', '2.0'], ['2.0', '2.0a'],
  ['2.0a', '2.0b'], ['2.0.1', '2.0a'], ['5.5', '5.5.1'], ['10', '9'], ['1.0+build2', '1.0+build10'],
  ['1.0~~', '1.0~'], ['0.0001', '0.1'], ['1.2.3', '1.2.3.0'], ['7', '7.0~beta'],
];

test('compareVersions orders like dpkg --compare-versions (hyphen- and colon-free versions)', { skip: needs('dpkg') }, () => {
  for (const [a, b] of pairs) {
    const ours = Math.sign(compareVersions(a, b));
    const dpkg = (['lt', 'eq', 'gt'] as const).find((op) => {
      try {
        execFileSync('dpkg', ['--compare-versions', a, op, b]);
        return true;
      } catch {
        return false;
      }
    });
    assert.equal(ours, { lt: -1, eq: 0, gt: 1 }[dpkg!], `${a} vs ${b}: dpkg says ${dpkg}`);
    assert.equal(Math.sign(compareVersions(b, a)), 0 - ours || 0);
  }
});

test('compareVersions treats hyphens and letters as ordinary characters', () => {
  assert.ok(compareVersions('5.5', 'SP4') < 0);
  assert.ok(compareVersions('5.5', '5.5-sp4') < 0);
  assert.ok(compareVersions('5.5-sp4', '5.5-sp3') > 0);
  assert.ok(compareVersions('1.0-rc.1', '1.0') > 0, 'only ~ sorts before the end');
});
