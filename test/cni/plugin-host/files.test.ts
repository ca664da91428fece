import test from 'ava';
import { MemoryFiles } from '../../../src/cni/index.js';

test('MemoryFiles.findByContent answers what reading every file of the directory would, after writes, rewrites and removals', async (t) => {
  const f = new MemoryFiles();
  await f.write('/d/net/10.0.0.2', 'c1\r\neth0');
  await f.write('/d/net/10.0.0.3', '  c1\r\neth0\n');
  await f.write('/d/net/10.0.0.4', 'c2\r\neth0');
  await f.write('/d/net/sub/10.0.0.5', 'c1\r\neth0');
  t.deepEqual(await f.findByContent('/d/net', 'c1\r\neth0'), ['10.0.0.2', '10.0.0.3']);
  await f.write('/d/net/10.0.0.2', 'c3\r\neth0');
  t.deepEqual(await f.findByContent('/d/net/', 'c1\r\neth0'), ['10.0.0.3']);
  t.deepEqual(await f.findByContent('/d/net', 'c3\r\neth0'), ['10.0.0.2']);
  await f.remove('/d/net/10.0.0.3');
  t.deepEqual(await f.findByContent('/d/net', 'c1\r\neth0'), []);
  t.false(await f.createExclusive('/d/net/10.0.0.4', 'x'));
  t.deepEqual(await f.list('/d/net'), ['10.0.0.2', '10.0.0.4']);
  t.deepEqual(await f.list('/d/nope'), []);
});
