import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findChain, type ChainEdge } from './find-chain.js';

const e = (from: string, to: string, length: number): ChainEdge => ({ name: `${from}-${to}`, from, to, length });
const names = (c: ChainEdge[] | null) => c?.map((x) => x.name) ?? null;
const none = { requiredStops: [], pulled: [] };
const edges = [e('1.0', '2.0', 100), e('2.0', '3.0', 100), e('1.0', '3.0', 150), e('3.0', '4.0', 10), e('2.0', '4.0', 500)];

test('fewest bytes wins over fewest links', () => {
  assert.deepEqual(names(findChain(edges, '1.0', '3.0', none)), ['1.0-3.0']);
  assert.deepEqual(names(findChain(edges, '1.0', '4.0', none)), ['1.0-3.0', '3.0-4.0']);
  assert.deepEqual(names(findChain([e('1.0', '2.0', 50), e('2.0', '3.0', 50), e('1.0', '3.0', 100)], '1.0', '3.0', none)), ['1.0-3.0']);
});

test('a required stop between the versions is on the chain; one outside them is ignored', () => {
  assert.deepEqual(names(findChain(edges, '1.0', '3.0', { requiredStops: ['2.0'], pulled: [] })), ['1.0-2.0', '2.0-3.0']);
  assert.deepEqual(names(findChain(edges, '2.0', '4.0', { requiredStops: ['2.0', '1.0'], pulled: [] })), ['2.0-3.0', '3.0-4.0']);
  assert.equal(findChain([e('1.0', '3.0', 1)], '1.0', '3.0', { requiredStops: ['2.0'], pulled: [] }), null);
});

test('a pulled version is never landed on, and a pulled channel version has no chain', () => {
  assert.deepEqual(names(findChain(edges, '1.0', '4.0', { requiredStops: [], pulled: ['3.0'] })), ['1.0-2.0', '2.0-4.0']);
  assert.equal(findChain(edges, '1.0', '3.0', { requiredStops: [], pulled: ['3.0'] }), null);
  assert.equal(findChain(edges, '1.0', '3.0', { requiredStops: ['2.0'], pulled: ['2.0'] }), null);
});

test('nothing to do, no way back, no way at all', () => {
  assert.deepEqual(findChain(edges, '3.0', '3.0', none), []);
  assert.equal(findChain(edges, '3.0', '2.0', none), null);
  assert.equal(findChain(edges, '0.9', '3.0', none), null);
  assert.equal(findChain([e('2.0', '1.0', 1), e('1.0', '3.0', 1)], '2.0', '3.0', none), null);
});

test('equal costs are broken deterministically (by names), whatever the input order', () => {
  const a = [e('1.0', '2.0', 10), e('2.0', '3.0', 10), e('1.0', '1.5', 10), e('1.5', '3.0', 10)];
  assert.deepEqual(names(findChain(a, '1.0', '3.0', none)), names(findChain([...a].reverse(), '1.0', '3.0', none)));
});
