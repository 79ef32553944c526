import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { errorSummaries } from './codes.js';
import { explainArticles } from './explain-articles.js';
import { renderErrorsDoc } from './render-errors-doc.js';

it('docs/errors.md is generated from the current code table', () => {
  assert.equal(readFileSync('docs/errors.md', 'utf8'), renderErrorsDoc(), 'run: node scripts/gen-errors-doc.mjs');
});

it('every code has a summary and a complete article', () => {
  assert.deepEqual(Object.keys(explainArticles).sort(), Object.keys(errorSummaries).sort());
  for (const a of Object.values(explainArticles)) {
    assert.ok(a.symptoms.length > 20 && a.cause.length > 20 && a.resolution.length > 20);
  }
});
