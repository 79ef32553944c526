#!/usr/bin/env node
// Writes docs/errors.md from the compiled error table (run `npm run build` first).
import { writeFileSync } from 'node:fs';
import { renderErrorsDoc } from '../dist/src/errors/render-errors-doc.js';

writeFileSync('docs/errors.md', renderErrorsDoc());
console.log('wrote docs/errors.md');
