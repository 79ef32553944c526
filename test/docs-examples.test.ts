// The code examples of the documentation are programs: every ```ts block of README.md and docs/*.md,
// and the @example of src/index.ts, is type-checked against the published typings (`import ... from
// 'servicepack'` resolves to this package), then run in a directory holding the trees the examples
// name (release-5.5, release-sp4, and exchange, a copy of release-5.5) and must exit 0. A fragment
// that is not a program of the library's users (e.g. the project's own test code) is fenced ```typescript.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import ts from 'typescript';
import { cleanupTempDirs, hashTree, makeTree, tempDir } from './helpers/tree.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Example {
  name: string;
  code: string;
}

/** The ```ts blocks of a Markdown file. */
function markdownExamples(file: string): Example[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  return [...text.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m, n) => ({ name: `${file} #${n + 1}`, code: m[1]! }));
}

/** The ```ts blocks of the JSDoc comments of a source file (their ` * ` prefixes removed). */
function jsdocExamples(file: string): Example[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  return [...text.matchAll(/^ \* ```ts\n([\s\S]*?)^ \* ```$/gm)].map((m, n) => ({
    name: `${file} @example #${n + 1}`,
    code: m[1]!.split('\n').map((l) => l.replace(/^ \* ?/, '')).join('\n'),
  }));
}

const examples = [
  ...jsdocExamples('src/index.ts'),
  ...markdownExamples('README.md'),
  ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).sort().flatMap((f) => markdownExamples(`docs/${f}`)),
];

// Inside the package, so that the examples' `from 'servicepack'` resolves to it (a package imports itself by name).
const DIR = join(ROOT, 'dist', '.docs-examples');

/** Type errors of `files` checked as the examples' readers would compile them. */
function typeErrors(files: string[]): string[] {
  const program = ts.createProgram(files, {
    module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022,
    strict: true, noEmit: true, skipLibCheck: true, types: ['node'], typeRoots: [join(ROOT, 'node_modules', '@types')],
  });
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file === undefined ? '' : `${d.file.fileName}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}: `;
    return `${where}${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
  });
}

describe('documentation examples', () => {
  after(() => {
    rmSync(DIR, { recursive: true, force: true });
    cleanupTempDirs();
  });

  it('finds the examples (the @example of src/index.ts and the README\'s)', () => {
    assert.ok(examples.some((e) => e.name.startsWith('src/index.ts')), 'src/index.ts has an example');
    assert.ok(examples.some((e) => e.name.startsWith('README.md')), 'README.md has an example');
  });

  it('type-checks every example against the package\'s typings', () => {
    rmSync(DIR, { recursive: true, force: true });
    mkdirSync(DIR, { recursive: true });
    const files = examples.map((e, n) => {
      const file = join(DIR, `example-${n}.mts`);
      writeFileSync(file, `// ${e.name}\n${e.code}\nexport {};\n`);
      return file;
    });
    assert.deepEqual(typeErrors(files), []);
  });

  for (const [n, e] of examples.entries()) {
    it(`runs ${e.name}`, () => {
      const bin55 = { 'store.dll': 'store 5.5\n'.repeat(40), 'mad.exe': 'mad 5.5\n'.repeat(40) };
      const release55 = { bin: bin55, README: 'exchange\n' };
      const work = tempDir('example');
      makeTree(release55, join(work, 'release-5.5'));
      makeTree({ ...release55, bin: { ...bin55, 'store.dll': 'store SP4\n'.repeat(40), 'sp4.dll': 'new in SP4\n' } }, join(work, 'release-sp4'));
      cpSync(join(work, 'release-5.5'), join(work, 'exchange'), { recursive: true });
      mkdirSync(DIR, { recursive: true });
      const file = join(DIR, `example-${n}.mjs`);
      writeFileSync(file, ts.transpileModule(e.code, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText);
      const r = spawnSync(process.execPath, [file], { cwd: work, encoding: 'utf8' });
      assert.equal(r.status, 0, `${e.name} failed:\n${r.stdout}${r.stderr}`);
      // Every example that installs ends with the target back on 5.5 or on SP4, never a mix.
      const tree = hashTree(join(work, 'exchange'), { exclude: ['.servicepack'] });
      assert.ok([hashTree(join(work, 'release-5.5')), hashTree(join(work, 'release-sp4'))].includes(tree), `${e.name} left a mixed tree`);
    });
  }
});
