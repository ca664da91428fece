import test from 'ava';
import { CniError } from '../../../src/cni/errors.js';
import type { CmdArgs, CniPlugin, PluginInfo } from '../../../src/cni/skel/plugin.js';
import { parsePrevResult } from '../../../src/cni/skel/prev-result.js';
import { runPlugin } from '../../../src/cni/skel/run-plugin.js';
import type { CniResult } from '../../../src/cni/spec/result-types.js';

const GO_VERSIONS = ['0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.0.0'];
/** Shaped like Debian's plugins (Go errors without cniVersion, VERSION answering "1.0.0"). */
const GO_INFO: PluginInfo = { supportedVersions: GO_VERSIONS, about: 'CNI fake plugin version unknown', versionAnswerCniVersion: '1.0.0', errorStyle: 'go' };

const RESULT: CniResult = {
  cniVersion: '1.0.0',
  interfaces: [{ name: 'eth0', mac: '76:15:aa:00:00:03', sandbox: '/run/netns/a' }],
  ips: [{ interface: 0, address: '10.99.0.2/24', gateway: '10.99.0.1' }],
  routes: [{ dst: '0.0.0.0/0' }],
};

interface Run { code: number; stdout: string; stderr: string; calls: string[]; json: () => Record<string, unknown> }

async function run(env: Record<string, string>, stdin: string, opts: { info?: PluginInfo; plugin?: Partial<CniPlugin<null>> } = {}): Promise<Run> {
  const calls: string[] = [];
  const plugin: CniPlugin<null> = {
    add: (a: CmdArgs<null>) => { calls.push(`add ${a.cniVersion}`); return RESULT; },
    del: () => { calls.push('del'); },
    check: () => { calls.push('check'); },
    ...opts.plugin,
  };
  let stdout = '';
  let stderr = '';
  let exited = -1;
  const code = await runPlugin(plugin, opts.info ?? GO_INFO, { env, stdin, stdout: (s) => { stdout += s; }, stderr: (s) => { stderr += s; }, exit: (c) => { exited = c; }, kernel: null });
  if (exited !== code) throw new Error('exit() not called with the returned status');
  return { code, stdout, stderr, calls, json: () => JSON.parse(stdout) as Record<string, unknown> };
}

const FULL = { CNI_COMMAND: 'ADD', CNI_CONTAINERID: 'cid1', CNI_NETNS: '/run/netns/a', CNI_IFNAME: 'eth0', CNI_PATH: '/opt/cni/bin' };
const conf = (extra: Record<string, unknown> = {}) => JSON.stringify({ cniVersion: '1.0.0', name: 'net1', type: 'fake', ...extra });

test('missing CNI_NETNS for ADD: code 4 error object on stdout, pretty-printed like Go, exit 1, plugin not called', async (t) => {
  const { CNI_NETNS: _n, ...env } = FULL;
  const r = await run(env, conf());
  t.is(r.code, 1);
  t.is(r.stdout, '{\n    "code": 4,\n    "msg": "required env variables [CNI_NETNS] missing"\n}');
  t.deepEqual(r.calls, []);
});

test('every required variable is listed in table order (cni.md §4 row 24)', async (t) => {
  const r = await run({ CNI_COMMAND: 'ADD' }, conf());
  t.deepEqual(r.json(), { code: 4, msg: 'required env variables [CNI_CONTAINERID,CNI_NETNS,CNI_IFNAME,CNI_PATH] missing' });
  t.deepEqual((await run({ CNI_COMMAND: 'CHECK', CNI_PATH: '/x' }, conf())).json()['msg'], 'required env variables [CNI_CONTAINERID,CNI_NETNS,CNI_IFNAME] missing');
});

test('per-command requirements: DEL needs no netns, GC and STATUS only CNI_PATH, VERSION nothing', async (t) => {
  const { CNI_NETNS: _n, ...noNetns } = FULL;
  const del = await run({ ...noNetns, CNI_COMMAND: 'DEL' }, conf());
  t.is(del.code, 0);
  t.is(del.stdout, '');
  t.deepEqual(del.calls, ['del']);
  const info: PluginInfo = { supportedVersions: ['1.0.0', '1.1.0'] };
  t.is((await run({ CNI_COMMAND: 'GC', CNI_PATH: '/x' }, conf({ cniVersion: '1.1.0' }), { info })).code, 0);
  t.is((await run({ CNI_COMMAND: 'STATUS', CNI_PATH: '/x' }, conf({ cniVersion: '1.1.0' }), { info })).code, 0);
  t.deepEqual((await run({ CNI_COMMAND: 'GC' }, conf({ cniVersion: '1.1.0' }), { info })).json()['msg'], 'required env variables [CNI_PATH] missing');
  const v = await run({ CNI_COMMAND: 'VERSION' }, '9.9.9 is ignored');
  t.is(v.stdout, '{"cniVersion":"1.0.0","supportedVersions":["0.1.0","0.2.0","0.3.0","0.3.1","0.4.0","1.0.0"]}\n');
});

test('no CNI_COMMAND prints the about text to stderr and exits 0', async (t) => {
  const r = await run({}, '');
  t.is(r.code, 0);
  t.is(r.stdout, '');
  t.is(r.stderr, 'CNI fake plugin version unknown\nCNI protocol versions supported: 0.1.0, 0.2.0, 0.3.0, 0.3.1, 0.4.0, 1.0.0\n');
});

test('name checks on env values give Go\'s codes and messages (rows 20-22)', async (t) => {
  t.deepEqual((await run({ ...FULL, CNI_IFNAME: 'abcdefghijklmnop' }, conf())).json(), { code: 4, msg: 'interface name is too long', details: 'interface name should be less than 16 characters' });
  t.deepEqual((await run({ ...FULL, CNI_IFNAME: 'abcdefghijklmno' }, conf())).code, 0);
  t.deepEqual((await run({ ...FULL, CNI_IFNAME: '.' }, conf())).json(), { code: 4, msg: 'interface name is . or ..' });
  t.deepEqual((await run({ ...FULL, CNI_CONTAINERID: '-abc' }, conf())).json(), { code: 4, msg: 'invalid characters in containerID', details: '-abc' });
  t.deepEqual((await run({ ...FULL, CNI_COMMAND: 'FOO' }, conf())).json(), { code: 4, msg: 'unknown CNI_COMMAND: FOO' });
});

test('stdin problems: bad JSON is 6, missing or bad name is 7, non-string cniVersion is 6', async (t) => {
  const trunc = (await run(FULL, '{"cniVersion":')).json();
  t.is(trunc['code'], 6);
  t.regex(String(trunc['msg']), /^error unmarshall network config: /);
  t.deepEqual((await run(FULL, JSON.stringify({ cniVersion: '1.0.0' }))).json(), { code: 7, msg: 'missing network name' });
  t.deepEqual((await run(FULL, conf({ name: 'bad/name' }))).json(), { code: 7, msg: 'invalid characters found in network name', details: 'bad/name' });
  t.deepEqual((await run(FULL, conf({ cniVersion: 1.0 }))).json(), { code: 6, msg: 'decoding version from network config: json: cannot unmarshal number into Go struct field .cniVersion of type string' });
});

test('version gate: exact string membership (code 1 with Go\'s details), CHECK needs 0.4.0, GC needs 1.1.0', async (t) => {
  for (const v of ['9.9.9', '1.1.0', 'abc']) {
    t.deepEqual((await run(FULL, conf({ cniVersion: v }))).json(), {
      code: 1, msg: 'incompatible CNI versions', details: `config is "${v}", plugin supports ["0.1.0" "0.2.0" "0.3.0" "0.3.1" "0.4.0" "1.0.0"]`,
    });
  }
  t.deepEqual((await run({ ...FULL, CNI_COMMAND: 'CHECK' }, conf({ cniVersion: '0.3.1' }))).json(), { code: 1, msg: 'config version does not allow CHECK' });
  t.deepEqual((await run({ ...FULL, CNI_COMMAND: 'GC' }, conf())).json(), { code: 1, msg: 'config version does not allow GC' });
  t.deepEqual((await run({ ...FULL, CNI_COMMAND: 'GC' }, conf({ cniVersion: '1.1.0' }))).json(), { code: 1, msg: 'plugin version does not allow GC' });
});

test('ADD output is converted to the request version and printed as Go prints it', async (t) => {
  const r = await run(FULL, conf({ cniVersion: '0.4.0' }));
  t.is(r.code, 0);
  t.is(r.stdout, [
    '{',
    '    "cniVersion": "0.4.0",',
    '    "interfaces": [',
    '        {',
    '            "name": "eth0",',
    '            "mac": "76:15:aa:00:00:03",',
    '            "sandbox": "/run/netns/a"',
    '        }',
    '    ],',
    '    "ips": [',
    '        {',
    '            "version": "4",',
    '            "interface": 0,',
    '            "address": "10.99.0.2/24",',
    '            "gateway": "10.99.0.1"',
    '        }',
    '    ],',
    '    "routes": [',
    '        {',
    '            "dst": "0.0.0.0/0"',
    '        }',
    '    ],',
    '    "dns": {}',
    '}',
  ].join('\n'));
  // cniVersion absent = 0.1.0: the ip4 form (cni.md §4 row 5).
  const old = await run(FULL, JSON.stringify({ name: 'net1', type: 'fake' }));
  t.deepEqual(old.json(), { cniVersion: '0.1.0', ip4: { ip: '10.99.0.2/24', gateway: '10.99.0.1', routes: [{ dst: '0.0.0.0/0' }] }, dns: {} });
  t.deepEqual(old.calls, ['add 0.1.0']);
});

test('plugin failures: CniError keeps its code, other errors become 999, impossible conversion is 999', async (t) => {
  const busy = await run(FULL, conf(), { plugin: { add: () => { throw new CniError(11, 'try again later', 'lock held'); } } });
  t.deepEqual(busy.json(), { code: 11, msg: 'try again later', details: 'lock held' });
  const boom = await run(FULL, conf(), { plugin: { add: () => { throw new Error('failed to open netns "/x"'); } } });
  t.deepEqual(boom.json(), { code: 999, msg: 'failed to open netns "/x"' });
  const l2 = await run(FULL, conf({ cniVersion: '0.2.0' }), { plugin: { add: () => ({ cniVersion: '1.0.0', interfaces: [{ name: 'eth0' }] }) } });
  t.deepEqual(l2.json(), { code: 999, msg: 'cannot convert: no valid IP addresses' });
});

test('spec error style carries the request cniVersion (or the plugin\'s before stdin is decoded)', async (t) => {
  const info: PluginInfo = { supportedVersions: ['1.0.0'] };
  t.deepEqual((await run(FULL, conf({ cniVersion: '0.4.0' }), { info })).json(), { cniVersion: '0.4.0', code: 1, msg: 'incompatible CNI versions', details: 'config is "0.4.0", plugin supports ["1.0.0"]' });
  t.deepEqual((await run({ CNI_COMMAND: 'ADD', CNI_PATH: '/x', CNI_CONTAINERID: 'c', CNI_IFNAME: 'eth0' }, conf(), { info })).json()['cniVersion'], '1.1.0');
});

test('GC passes cni.dev/valid-attachments to the plugin', async (t) => {
  let seen: unknown;
  const info: PluginInfo = { supportedVersions: ['1.1.0'] };
  const gc = async (a: { validAttachments: unknown }) => { seen = a.validAttachments; };
  const r = await run({ CNI_COMMAND: 'GC', CNI_PATH: '/x' }, conf({ cniVersion: '1.1.0', 'cni.dev/valid-attachments': [{ containerID: 'c1', ifname: 'eth0' }] }), { info, plugin: { gc } });
  t.is(r.code, 0);
  t.deepEqual(seen, [{ containerID: 'c1', ifname: 'eth0' }]);
});

test('parsePrevResult: a missing cniVersion takes the config\'s; a different one is Go\'s "could not parse prevResult"', (t) => {
  const base = { cniVersion: '1.0.0', name: 'n', type: 'x' };
  t.deepEqual(parsePrevResult({ ...base, prevResult: { ips: [{ address: '10.0.0.2/24' }] } }), { cniVersion: '1.0.0', ips: [{ address: '10.0.0.2/24' }] });
  t.is(parsePrevResult(base), undefined);
  const e = t.throws(() => parsePrevResult({ ...base, prevResult: { cniVersion: '0.4.0' } }), { instanceOf: CniError });
  t.is(e?.msg, 'could not parse prevResult: result type supports [1.0.0 1.1.0] but unmarshalled CNIVersion is "0.4.0"');
  const bad = t.throws(() => parsePrevResult({ ...base, prevResult: { ips: [{ address: 'bogus' }] } }), { instanceOf: CniError });
  t.regex(bad?.msg ?? '', /could not parse prevResult: .*\$\.prevResult\.ips\[0\]\.address must be an IP address in CIDR notation/);
});
