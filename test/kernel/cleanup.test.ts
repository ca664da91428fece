import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { cleanupKw, NetnsOwners, sandboxGroupOf, VirtualKernel } from '../../src/kernel/index.js';
import { Network } from '../../src/net/index.js';

function setup(names: readonly string[]) {
  const net = new Network();
  net.addNetns('node', { kind: 'node', node: 'n' });
  for (const n of names) net.addNetns(n, { kind: 'external', name: n });
  const dir = mkdtempSync(join(tmpdir(), 'kw-owners-'));
  return { net, k: new VirtualKernel(net, { host: 'node' }), owners: new NetnsOwners(dir), dir };
}

/** A PID that certainly belongs to no process: a child that has already exited and been reaped. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.exit(0)']);
  return r.pid ?? 999_999_999;
}

test('cleanup keeps a validator sandbox whose owner is alive and says so; it removes one whose owner is gone and other kw- leftovers', async (t) => {
  const { net, k, owners, dir } = setup(['kw-v-aaa111-h', 'kw-v-aaa111-c', 'kw-v-bbb222-h', 'kw-x-left', 'not-ours']);
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  owners.claim('kw-v-aaa111'); // this test process: alive
  owners.claim('kw-v-bbb222', deadPid());
  const r = await cleanupKw(k, owners);
  t.deepEqual(r.inUse.map((x) => x.name).sort(), ['kw-v-aaa111-c', 'kw-v-aaa111-h']);
  t.true(r.inUse.every((x) => x.pid === process.pid));
  t.deepEqual(r.removed.sort(), ['kw-v-bbb222-h', 'kw-x-left']);
  t.deepEqual(r.failed, []);
  t.true(net.netns.has('kw-v-aaa111-h'));
  t.true(net.netns.has('not-ours'));
  t.false(net.netns.has('kw-x-left'));
  // The dead owner's claim is gone with its namespaces; the live one's stays.
  t.is(owners.liveOwner('kw-v-aaa111'), process.pid);
  owners.claim('kw-v-bbb222', process.pid);
  t.is(owners.liveOwner('kw-v-bbb222'), process.pid, 'a new claim for the same group can be made');
});

test('cleanup drops the claim file of a sandbox whose owner died', async (t) => {
  const { k, owners, dir } = setup(['kw-v-ddd444-h']);
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  owners.claim('kw-v-ddd444', deadPid());
  await cleanupKw(k, owners);
  t.false(existsSync(join(dir, 'kw-v-ddd444')));
});

test('once the validator releases its sandbox, cleanup removes what is left of it', async (t) => {
  const { net, k, owners, dir } = setup(['kw-v-ccc333-h']);
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  owners.claim('kw-v-ccc333');
  t.is((await cleanupKw(k, owners)).inUse.length, 1);
  owners.release('kw-v-ccc333');
  t.deepEqual((await cleanupKw(k, owners)).removed, ['kw-v-ccc333-h']);
  t.false(net.netns.has('kw-v-ccc333-h'));
});

test('only validator sandbox names have an owner group', (t) => {
  t.is(sandboxGroupOf('kw-v-0a1b2c-h'), 'kw-v-0a1b2c');
  t.is(sandboxGroupOf('kw-v-0a1b2c-extra1'), 'kw-v-0a1b2c');
  t.is(sandboxGroupOf('kw-1a2b-n0'), undefined);
  t.is(sandboxGroupOf('kw-v-'), undefined);
});
