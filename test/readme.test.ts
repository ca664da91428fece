import test from 'ava';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../src/cli/main.js';
import { SUPPORTED_KINDS } from '../src/topology/index.js';

/**
 * The README's worked examples are a promise to a new user: `$ kubewire …` followed by what it prints. Every
 * example whose command runs without root or a server is run here, in the repository's root, and must print
 * exactly what the README shows, so the README cannot drift from the code.
 */
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');

interface Example {
  readonly line: number;
  readonly argv: readonly string[];
  readonly output: string;
}

/** Code blocks whose first line is `$ kubewire <trace|rules|show|dns|env> …` and whose other lines are its output. */
function examples(text: string): Example[] {
  const out: Example[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (!(lines[i] ?? '').startsWith('```')) continue;
    const first = lines[i + 1] ?? '';
    const end = lines.indexOf('```', i + 1);
    if (end < 0) break;
    const m = /^\$ kubewire ((?:trace|rules|show|dns|env) .*)$/.exec(first);
    if (m !== null && m[1] !== undefined && !m[1].includes('sudo') && end > i + 2) {
      out.push({ line: i + 2, argv: m[1].split(/\s+/), output: `${lines.slice(i + 2, end).join('\n')}\n` });
    }
    i = end;
  }
  return out;
}

const found = examples(readme);

test('the README has worked kubewire examples to check', (t) => {
  t.true(found.length >= 2, `found ${found.length}`);
});

for (const ex of found) {
  test(`README line ${ex.line}: kubewire ${ex.argv.join(' ')}`, async (t) => {
    let out = '';
    let err = '';
    const cwd = process.cwd();
    process.chdir(root);
    try {
      const code = await runCli(ex.argv, { stdout: (s) => (out += s), stderr: (s) => (err += s) });
      t.is(code, 0, err);
    } finally {
      process.chdir(cwd);
    }
    t.is(out, ex.output);
  });
}

test('the README names every kind a topology\'s manifests may hold', (t) => {
  // The paragraph under "Topology format" that starts "Manifests may hold", up to the next blank line.
  const start = readme.indexOf('Manifests may hold');
  t.true(start >= 0, 'the README says which kinds manifests may hold');
  const paragraph = readme.slice(start, readme.indexOf('\n\n', start)).replace(/\s+/g, ' ');
  const plural = (kind: string): string => (kind === 'Endpoints' ? kind : kind.endsWith('s') ? `${kind}es` : `${kind}s`);
  const missing = Object.keys(SUPPORTED_KINDS).filter((k) => !new RegExp(`\\b${plural(k)}\\b`).test(paragraph));
  t.deepEqual(missing, [], 'kinds the loader accepts that the README does not name');
});
