import assert from 'node:assert/strict';
import { test } from 'node:test';
import { channelBytes, parseChannel, type ChannelRecord } from './channel-record.js';

const good: ChannelRecord = { channel: 'stable', product: 'acme', version: '2.0', percent: 25, halted: false, rollout: '2.0@x', requiredStops: ['1.5'], pulled: ['1.9'] };

test('a channel file reads back as written', () => {
  assert.deepEqual(parseChannel(channelBytes(good)), good);
});

test('each malformed field is refused with its name', () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ ...good, percent: 101 }, /percent/],
    [{ ...good, percent: '50' }, /percent/],
    [{ ...good, halted: 'no' }, /halted/],
    [{ ...good, version: '' }, /version/],
    [{ ...good, pulled: [1] }, /pulled/],
    [{ ...good, requiredStops: undefined }, /requiredStops/],
  ];
  for (const [doc, re] of cases) assert.throws(() => parseChannel(Buffer.from(JSON.stringify(doc))), re);
  assert.throws(() => parseChannel(Buffer.from('[]')), /object/);
  assert.throws(() => parseChannel(Buffer.from('{')), /JSON/);
});
