import test from 'ava';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { confListFromJson, loadConfListFile, loadNetworkConf, parseConfList, selectListVersion } from '../../../src/cni/invoke/conflist.js';
import { InputError } from '../../../src/lib/index.js';

test('a good conflist loads with libcni defaults', (t) => {
  const text = '{"cniVersion":"1.0.0","name":"kw-net","plugins":[{"type":"bridge","ipam":{"type":"host-local"}},{"type":"portmap","capabilities":{"portMappings":true}}]}';
  const l = parseConfList(text, 'a.conflist');
  t.is(l.name, 'kw-net');
  t.is(l.cniVersion, '1.0.0');
  t.false(l.disableCheck);
  t.is(l.bytes, text);
  t.deepEqual(l.plugins.map((p) => p.type), ['bridge', 'portmap']);
});

test('every schema violation is reported at once with its JSON path, in the file named', (t) => {
  const e = t.throws(() => confListFromJson({ name: 'bad name', cniVersion: 1, disableCheck: 'yes', plugins: [{ capabilities: { portMappings: 'true' } }, { type: 'a/b' }] }, { source: 'x.conflist' }), { instanceOf: InputError });
  t.is(e?.code, 'KW_CNI_CONFIG_INVALID');
  t.is(e?.message, 'x.conflist: not a valid CNI network configuration list: '
    + '$.cniVersion must be of type string; '
    + '$.disableCheck does not match ^([Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee])$; '
    + '$.name does not match ^[a-zA-Z0-9][a-zA-Z0-9_.\\-]*$; '
    + '$.plugins[0].capabilities.portMappings must be of type boolean; '
    + '$.plugins[0].type is required; '
    + '$.plugins[1].type does not match ^[^/\\\\]+$');
});

test('JSON syntax errors say line and column', (t) => {
  const e = t.throws(() => parseConfList('{\n  "name": "n",\n  "plugins": [,]\n}', 'y.conflist'), { instanceOf: InputError });
  t.is(e?.code, 'KW_CNI_CONFIG_JSON');
  // V8 names the offending token; when it reports a position we turn it into line:col.
  t.regex(e?.message ?? '', /^y\.conflist(:3:15)?: invalid JSON: Unexpected token ','/);
});

test('empty plugins, and loadOnlyInlinedPlugins without plugins, are rejected', (t) => {
  t.regex(t.throws(() => confListFromJson({ name: 'n', plugins: [] }))?.message ?? '', /\$\.plugins must NOT have fewer than 1 items/);
  t.regex(t.throws(() => confListFromJson({ name: 'n', loadOnlyInlinedPlugins: true }))?.message ?? '', /loadOnlyInlinedPlugins/);
  t.regex(t.throws(() => confListFromJson({ name: 'n' }))?.message ?? '', /no plugin configs found/);
});

test('version selection (spec 1.1.0): highest of cniVersion ∪ cniVersions that is ≤ 1.1.0; absent is 0.1.0', (t) => {
  t.is(selectListVersion('0.4.0', ['0.3.1', '1.0.0', '1.1.0', '2.0.0']), '1.1.0');
  t.is(selectListVersion('1.0.0', undefined), '1.0.0');
  t.is(selectListVersion(undefined, undefined), '0.1.0');
  t.is(selectListVersion('9.9.9', undefined), '9.9.9'); // without cniVersions libcni passes it through
  const e = t.throws(() => confListFromJson({ name: 'n', cniVersions: ['1.0.0', 'x.y'], plugins: [{ type: 'a' }] }, { source: 'z.conflist' }));
  t.is(e?.message, 'z.conflist $.cniVersions[1]: invalid cniVersions entry "x.y": failed to convert major version part "x": strconv.Atoi: parsing "x": invalid syntax');
});

test('files: plugins from <dir>/<name>/*.conf are appended; LoadNetworkConf finds by name and lifts a single .conf', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'kw-cni-conf-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, '10-a.conflist'), JSON.stringify({ cniVersion: '1.1.0', name: 'a', plugins: [{ type: 'bridge' }] }));
  await mkdir(join(dir, 'a'));
  await writeFile(join(dir, 'a', '20-tuning.conf'), JSON.stringify({ type: 'tuning' }));
  await writeFile(join(dir, 'a', '10-portmap.conf'), JSON.stringify({ type: 'portmap' }));
  await writeFile(join(dir, '99-legacy.conf'), JSON.stringify({ cniVersion: '0.3.1', name: 'legacy', type: 'ptp' }));
  const a = await loadConfListFile(join(dir, '10-a.conflist'));
  t.deepEqual(a.plugins.map((p) => p.type), ['bridge', 'portmap', 'tuning']);
  t.deepEqual((await loadNetworkConf(dir, 'a')).plugins.length, 3);
  const legacy = await loadNetworkConf(dir, 'legacy');
  t.is(legacy.cniVersion, '0.3.1');
  t.deepEqual(legacy.plugins, [{ cniVersion: '0.3.1', name: 'legacy', type: 'ptp' }]);
  const e = await t.throwsAsync(loadNetworkConf(dir, 'none'));
  t.is(e?.message, `${dir}: no net configuration with name "none" in ${dir}`);
});
