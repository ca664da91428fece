import test from 'ava';
import fc from 'fast-check';
import { splitArgs } from '../../../src/net/netfilter/index.js';

/** add_param_to_argv's rules, written the simple way (one character at a time) as the reference. */
function reference(line: string): string[] | undefined {
  const out: string[] = [];
  let cur = '';
  let has = false;
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] ?? '';
    if (quoted) {
      if (c === '\\' && i + 1 < line.length) cur += line[++i] ?? '';
      else if (c === '"') {
        quoted = false;
        out.push(cur);
        cur = '';
        has = false;
      } else cur += c;
    } else if (c === '"') {
      quoted = true;
      has = true;
    } else if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      if (has) {
        out.push(cur);
        cur = '';
        has = false;
      }
    } else {
      cur += c;
      has = true;
    }
  }
  if (quoted) return undefined;
  if (has) out.push(cur);
  return out;
}

test('splitArgs agrees with the character-by-character rules on any line of quotes, escapes and whitespace', (t) => {
  const line = fc.array(fc.constantFrom('a', 'b', '-', ' ', '\t', '\r', '"', '\\', '/', ':'), { maxLength: 40 }).map((cs) => cs.join(''));
  fc.assert(
    fc.property(line, (l) => {
      t.deepEqual(splitArgs(l), reference(l));
    }),
    { numRuns: 5000 },
  );
});

test('kube-proxy lines: quoted comments become one argument, "" is an empty one, an open quote fails the line', (t) => {
  t.deepEqual(splitArgs('-A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 cluster IP" -j X'), ['-A', 'KUBE-SERVICES', '-m', 'comment', '--comment', 'ns1/svc1:p80 cluster IP', '-j', 'X']);
  t.deepEqual(splitArgs('  -A  X\t-j  Y  '), ['-A', 'X', '-j', 'Y']);
  t.deepEqual(splitArgs('--comment "" -j X'), ['--comment', '', '-j', 'X']);
  t.deepEqual(splitArgs('--comment "a \\"b\\" c"'), ['--comment', 'a "b" c']);
  t.deepEqual(splitArgs('pre"quoted"post'), ['prequoted', 'post']);
  t.is(splitArgs('--comment "open'), undefined);
});
