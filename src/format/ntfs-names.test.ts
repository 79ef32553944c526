import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ntfsNameProblem, ntfsNameProblems } from './ntfs-names.js';

test('ntfsNameProblem accepts ordinary names, including reserved words that are not whole stems', () => {
  for (const ok of ['Exchsrvr/BIN/Mdbperf.dll', 'a b/c.d.e', 'CONSOLE.txt', 'com10', 'LPT0.log', 'nul-device', 'AUX_x/ok', '.hidden', 'x/.y', 'é/ü', 'con_/a']) {
    assert.equal(ntfsNameProblem(ok), undefined, ok);
  }
});

test('ntfsNameProblem names reserved device names with and without extension, in any case and any component', () => {
  assert.equal(ntfsNameProblem('CON'), 'the name "CON" is the reserved Windows device name CON');
  assert.equal(ntfsNameProblem('bin/nul.txt'), 'the name "nul.txt" is the reserved Windows device name NUL');
  assert.equal(ntfsNameProblem('Aux.tar.gz/x'), 'the name "Aux.tar.gz" is the reserved Windows device name AUX');
  assert.equal(ntfsNameProblem('a/prn'), 'the name "prn" is the reserved Windows device name PRN');
  assert.equal(ntfsNameProblem('a/NUL .txt'), 'the name "NUL .txt" is the reserved Windows device name NUL');
  for (let n = 1; n <= 9; n++) {
    assert.equal(ntfsNameProblem(`com${n}`), `the name "com${n}" is the reserved Windows device name COM${n}`);
    assert.equal(ntfsNameProblem(`d/LPT${n}.dll`), `the name "LPT${n}.dll" is the reserved Windows device name LPT${n}`);
  }
  assert.equal(ntfsNameProblem('COM\u00b9'), 'the name "COM\u00b9" is the reserved Windows device name COM\u00b9');
});

test('ntfsNameProblem names trailing dots and spaces', () => {
  assert.equal(ntfsNameProblem('dir./f'), 'the name "dir." ends with a dot, which Windows drops');
  assert.equal(ntfsNameProblem('d/file '), 'the name "file " ends with a space, which Windows drops');
  assert.equal(ntfsNameProblem('d/..x.'), 'the name "..x." ends with a dot, which Windows drops');
});

test('ntfsNameProblem names each forbidden character and control characters', () => {
  for (const c of ['<', '>', ':', '"', '|', '?', '*', '\\']) {
    assert.equal(ntfsNameProblem(`d/a${c}b`), `the name ${JSON.stringify(`a${c}b`)} contains '${c}', which Windows does not allow`, c);
  }
  assert.equal(ntfsNameProblem('a\u0001b'), 'the name "a\\u0001b" contains the control character U+0001, which Windows does not allow');
  assert.equal(ntfsNameProblem('tab\there'), 'the name "tab\\there" contains the control character U+0009, which Windows does not allow');
  assert.equal(ntfsNameProblem('del\u007f'), undefined);
});

test('ntfsNameProblems lists every unrepresentable path and the second of two paths equal ignoring case', () => {
  assert.deepEqual(ntfsNameProblems(['BIN', 'BIN/Mdbperf.dll', 'bin', 'BIN/con', 'BIN/MDBPERF.DLL', 'x']), [
    { path: 'bin', reason: 'it equals "BIN" ignoring case, and Windows sees one name' },
    { path: 'BIN/con', reason: 'the name "con" is the reserved Windows device name CON' },
    { path: 'BIN/MDBPERF.DLL', reason: 'it equals "BIN/Mdbperf.dll" ignoring case, and Windows sees one name' },
  ]);
  assert.deepEqual(ntfsNameProblems(['a', 'b/c']), []);
});
