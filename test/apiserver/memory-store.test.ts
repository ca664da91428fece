import test from 'ava';
import { isStoreError, MemoryStore, watchResource, type StoreEvent, type WatchEvent } from '../../src/apiserver/index.js';
import type { KubeObject } from '../../src/api/index.js';
import { newApi, pod, R } from './fixture.js';

const obj = (name: string, labels: Record<string, string> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'ns', labels } });
const key = (name: string) => ({ resource: 'pods', namespace: 'ns', name });

test('every write gets a higher resourceVersion; stale compare-and-swap is refused', async (t) => {
  const s = new MemoryStore();
  const a = await s.create(key('a'), obj('a'));
  const b = await s.create(key('b'), obj('b'));
  const a2 = await s.update(key('a'), obj('a'), a.metadata.resourceVersion);
  t.deepEqual([a, b, a2].map((o) => Number(o.metadata.resourceVersion)), [1, 2, 3]);
  const e = await s.update(key('a'), obj('a'), a.metadata.resourceVersion).catch((x: unknown) => x);
  t.true(isStoreError(e, 'KW_APISERVER_STORE_CONFLICT'));
  t.is((await s.get(key('a')))?.metadata.resourceVersion, '3');
  t.true(isStoreError(await s.create(key('a'), obj('a')).catch((x: unknown) => x), 'KW_APISERVER_STORE_EXISTS'));
});

test('objects handed out are frozen and shared: writing into them throws and the store is unchanged', async (t) => {
  const s = new MemoryStore();
  const a = await s.create(key('a'), obj('a', { x: '1' }));
  t.throws(() => {
    (a.metadata.labels as Record<string, string>)['x'] = 'changed';
  }, { instanceOf: TypeError });
  const got = await s.get(key('a'));
  t.is(got, a);
  t.deepEqual(got?.metadata.labels, { x: '1' });
  const seen: unknown[] = [];
  const w = s.watch({ resource: 'pods' }, (ev) => seen.push(ev.object));
  const a2 = await s.update(key('a'), obj('a', { x: '2' }));
  w.stop();
  t.is(seen[0], a2, 'watchers get the stored object itself');
  t.true(Object.isFrozen((a2.metadata.labels ?? {})));
});

test('an unfrozen object written in is copied: the caller may keep changing it', async (t) => {
  const s = new MemoryStore();
  const mine = obj('a', { x: '1' });
  await s.create(key('a'), mine);
  (mine.metadata.labels ?? {})['x'] = 'changed';
  t.false(Object.isFrozen(mine));
  t.deepEqual((await s.get(key('a')))?.metadata.labels, { x: '1' });
});

test('a frozen object written in is kept as it is, under a new envelope with the resourceVersion', async (t) => {
  const s = new MemoryStore();
  const labels = Object.freeze({ x: '1' });
  const frozen = Object.freeze({ apiVersion: 'v1', kind: 'Pod', metadata: Object.freeze({ name: 'a', namespace: 'ns', labels }) });
  const stored = await s.create(key('a'), frozen);
  t.is(stored.metadata.labels, labels);
  t.is(stored.metadata.resourceVersion, '1');
  t.false('resourceVersion' in frozen.metadata, 'the caller\'s object is not stamped');
});

test('an owned object is stamped and frozen in place; its frozen parts stay shared; an owned frozen one is not written into', async (t) => {
  const s = new MemoryStore();
  const labels = Object.freeze({ x: '1' });
  const draft: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a', namespace: 'ns', labels }, spec: { n: 1 } };
  const stored = await s.create(key('a'), draft, { owned: true });
  t.is(stored, draft, 'the draft itself is what is stored');
  t.is(stored.metadata.resourceVersion, '1');
  t.true(Object.isFrozen(stored) && Object.isFrozen(stored['spec']));
  t.is(stored.metadata.labels, labels);
  // A frozen object handed over as owned cannot be stamped: it gets a new envelope, as any frozen object does.
  const updated = await s.update(key('a'), stored, '1', { owned: true });
  t.not(updated, stored);
  t.is(updated.metadata.resourceVersion, '2');
  t.is(stored.metadata.resourceVersion, '1');
  t.is(updated['spec'], stored['spec']);
});

test('namespaces keep objects of the same name apart; list is sorted by namespace then name', async (t) => {
  const s = new MemoryStore();
  const at = (ns: string, name: string) => ({ resource: 'pods', namespace: ns, name });
  const mk = (ns: string, name: string): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns } });
  await s.create(at('b', 'x'), mk('b', 'x'));
  await s.create(at('a', 'y'), mk('a', 'y'));
  await s.create(at('a', 'x'), mk('a', 'x'));
  t.is((await s.get(at('a', 'x')))?.metadata.namespace, 'a');
  t.is((await s.get(at('b', 'y'))), undefined);
  const names = (l: { items: readonly { metadata: { namespace?: string; name?: string } }[] }) => l.items.map((o) => `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`);
  t.deepEqual(names(await s.list('pods')), ['a/x', 'a/y', 'b/x']);
  t.deepEqual(names(await s.list('pods', 'a')), ['a/x', 'a/y']);
  await s.delete(at('a', 'x'));
  await s.delete(at('a', 'y'));
  t.deepEqual(names(await s.list('pods', 'a')), []);
  t.deepEqual(names(await s.list('pods')), ['b/x']);
  t.true(isStoreError(await s.update(at('a', 'x'), mk('a', 'x')).catch((x: unknown) => x), 'KW_APISERVER_STORE_NOT_FOUND'));
});

test('watch delivers events in resourceVersion order, and replays from a version', async (t) => {
  const s = new MemoryStore();
  const seen: string[] = [];
  const w = s.watch({ resource: 'pods' }, (ev) => seen.push(`${ev.type}:${ev.object.metadata.name ?? ''}@${ev.object.metadata.resourceVersion ?? ''}`));
  const a = await s.create(key('a'), obj('a'));
  await s.create(key('b'), obj('b'));
  await s.update(key('a'), obj('a'), a.metadata.resourceVersion);
  await s.delete(key('b'));
  w.stop();
  await s.create(key('c'), obj('c'));
  t.deepEqual(seen, ['ADDED:a@1', 'ADDED:b@2', 'MODIFIED:a@3', 'DELETED:b@4']);
  const replay: string[] = [];
  s.watch({ resource: 'pods', fromResourceVersion: '2' }, (ev: StoreEvent) => replay.push(`${ev.type}:${ev.object.metadata.name ?? ''}`)).stop();
  t.deepEqual(replay, ['MODIFIED:a', 'DELETED:b', 'ADDED:c']);
});

test('watching from a version older than the kept history is Gone', async (t) => {
  const s = new MemoryStore({ historyLimit: 2 });
  for (const n of ['a', 'b', 'c', 'd']) await s.create(key(n), obj(n));
  const e = t.throws(() => s.watch({ fromResourceVersion: '1' }, () => undefined));
  t.true(isStoreError(e, 'KW_APISERVER_STORE_GONE'));
  t.notThrows(() => s.watch({ fromResourceVersion: '2' }, () => undefined).stop());
});

test('a label-filtered watch turns objects entering and leaving the selector into ADDED and DELETED', async (t) => {
  const { api } = await newApi();
  const events: string[] = [];
  const w = await watchResource(api, R.pod, 'default', { labelSelector: 'app=web', resourceVersion: api.store.currentResourceVersion() }, (ev: WatchEvent) =>
    events.push(`${ev.type}:${String((ev.object as KubeObject).metadata.labels?.['app'])}`),
  );
  await api.create(R.pod, 'default', { ...pod('p'), metadata: { name: 'p', labels: { app: 'db' } } });
  await api.patch(R.pod, 'default', 'p', 'merge', { metadata: { labels: { app: 'web' } } });
  await api.patch(R.pod, 'default', 'p', 'merge', { metadata: { annotations: { a: 'b' } } });
  await api.patch(R.pod, 'default', 'p', 'merge', { metadata: { labels: { app: 'db' } } });
  w.stop();
  t.deepEqual(events, ['ADDED:web', 'MODIFIED:web', 'DELETED:db']);
});

test('a watch without a resourceVersion starts with the current objects', async (t) => {
  const { api } = await newApi();
  await api.create(R.pod, 'default', pod('a'));
  const events: string[] = [];
  const w = await watchResource(api, R.pod, 'default', {}, (ev) => events.push(`${ev.type}:${(ev.object as KubeObject).metadata.name ?? ''}`));
  await api.create(R.pod, 'default', pod('b'));
  w.stop();
  t.deepEqual(events, ['ADDED:a', 'ADDED:b']);
});
