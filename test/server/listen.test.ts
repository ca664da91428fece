import test from 'ava';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { isLoopback, listen, writeKubeconfig } from '../../src/server/index.js';
import { isKubewireError } from '../../src/lib/index.js';
import { newApi } from '../apiserver/fixture.js';
import { tempDir } from '../helpers/temp-dir.js';

test('loopback addresses', (t) => {
  t.true(isLoopback('127.0.0.1'));
  t.true(isLoopback('127.1.2.3'));
  t.true(isLoopback('::1'));
  t.false(isLoopback('0.0.0.0'));
  t.false(isLoopback('192.168.1.1'));
});

test('listening on a non-loopback address without a token is refused before binding', async (t) => {
  const { api, clock } = await newApi();
  const e = await t.throwsAsync(listen({ api, clock }, { host: '0.0.0.0' }));
  t.true(isKubewireError(e) && e.code === 'KW_SERVER_TOKEN_REQUIRED');
});

test('listen binds 127.0.0.1 on an ephemeral port by default', async (t) => {
  const { api, clock } = await newApi();
  const s = await listen({ api, clock });
  t.teardown(() => s.close());
  t.regex(s.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  const res = await fetch(`${s.url}/version`);
  t.is(res.status, 200);
});

test('writeKubeconfig writes a 0600 kubeconfig with the token', async (t) => {
  const dir = tempDir(t, 'kw-kubeconfig-');
  const path = join(dir, 'config');
  await writeKubeconfig(path, 'http://127.0.0.1:1234', 'tok');
  const cfg = parse(await readFile(path, 'utf8')) as { clusters: { cluster: { server: string } }[]; users: { user: { token: string } }[]; 'current-context': string };
  t.is(cfg.clusters[0]?.cluster.server, 'http://127.0.0.1:1234');
  t.is(cfg.users[0]?.user.token, 'tok');
  t.is(cfg['current-context'], 'kubewire');
  t.is((await stat(path)).mode & 0o777, 0o600);
});
