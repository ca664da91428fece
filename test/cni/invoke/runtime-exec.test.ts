import test from 'ava';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isInputError } from './helpers.js';
import { CniPluginError, CniTimeoutError } from '../../../src/cni/invoke/outcome.js';
import { confListFromJson } from '../../../src/cni/invoke/conflist.js';
import { ExecInvoker } from '../../../src/cni/invoke/exec.js';
import { FileResultCache } from '../../../src/cni/invoke/file-cache.js';
import { CniRuntime } from '../../../src/cni/invoke/runtime.js';
import type { RuntimeConf } from '../../../src/cni/spec/config-types.js';

const BIN = fileURLToPath(new URL('../../fixtures/cni/bin', import.meta.url));
const rt: RuntimeConf = { containerId: 'cid1', netns: '/run/netns/kw-test', ifName: 'eth0' };

async function setup(t: { teardown(fn: () => Promise<void>): void }) {
  const dir = await mkdtemp(join(tmpdir(), 'kw-cni-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const log = join(dir, 'log');
  const runtime = new CniRuntime({ invoker: new ExecInvoker(), path: ['/nonexistent', BIN], cache: new FileResultCache(dir), baseEnv: { KW_TEST_LOG: log, PATH: process.env['PATH'] }, timeoutMs: 5000 });
  const lines = async (): Promise<Array<{ cmd: string; name: string; req: Record<string, unknown> }>> => {
    const text = await readFile(log, 'utf8').catch(() => '');
    return text.split('\n').filter((l) => l !== '').map((l) => {
      const [cmd = '', name = '', ...rest] = l.split(' ');
      return { cmd, name, req: JSON.parse(rest.join(' ')) as Record<string, unknown> };
    });
  };
  return { dir, runtime, lines };
}

const chain = (cniVersion = '1.0.0') => confListFromJson({
  cniVersion, name: 'kw-net',
  plugins: [{ type: 'record-a', extra: { k: 1 } }, { type: 'record-b', capabilities: { portMappings: true, bandwidth: true } }],
});

test('ADD runs the chain in order, passing each result as the next prevResult, and caches the final result', async (t) => {
  const { dir, runtime, lines } = await setup(t);
  const res = await runtime.addNetworkList(chain(), { ...rt, args: [['IgnoreUnknown', '1'], ['K8S_POD_NAME', 'web']], capabilityArgs: { portMappings: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }], ipRanges: [] } });
  t.deepEqual(res, {
    cniVersion: '1.0.0',
    interfaces: [{ name: 'record-b', sandbox: '/run/netns/kw-test' }],
    ips: [{ interface: 0, address: '10.0.0.2/24', gateway: '10.0.0.1' }],
    dns: {},
  });
  const log = await lines();
  t.deepEqual(log.map((l) => `${l.cmd} ${l.name}`), ['ADD record-a', 'ADD record-b']);
  const [a, b] = log;
  // First plugin: no prevResult, no runtimeConfig (it declared no capabilities); name/cniVersion injected; own keys kept.
  t.deepEqual(a?.req, { cniVersion: '1.0.0', extra: { k: 1 }, name: 'kw-net', type: 'record-a' });
  // Second: prevResult = first's result; runtimeConfig holds only declared-and-supplied capabilities.
  t.deepEqual(b?.req['prevResult'], { cniVersion: '1.0.0', interfaces: [{ name: 'record-a', sandbox: '/run/netns/kw-test' }], ips: [{ interface: 0, address: '10.0.0.2/24', gateway: '10.0.0.1' }], dns: {} });
  t.deepEqual(b?.req['runtimeConfig'], { portMappings: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }] });
  t.deepEqual(await readdir(join(dir, 'results')), ['kw-net-cid1-eth0']);
  const cached = JSON.parse(await readFile(join(dir, 'results', 'kw-net-cid1-eth0'), 'utf8')) as Record<string, unknown>;
  t.is(cached['kind'], 'cniCacheV1');
  t.deepEqual(cached['cniArgs'], [['IgnoreUnknown', '1'], ['K8S_POD_NAME', 'web']]);
  t.is(Buffer.from(String(cached['config']), 'base64').toString('utf8'), chain().bytes);
});

test('DEL runs in reverse order, every plugin gets the cached ADD result, the cache entry goes, and DEL can repeat', async (t) => {
  const { dir, runtime, lines } = await setup(t);
  const list = chain('0.4.0');
  const added = await runtime.addNetworkList(list, rt);
  await runtime.delNetworkList(list, rt);
  await runtime.delNetworkList(list, rt); // idempotent: no cache, plugins still called, no error
  const log = (await lines()).filter((l) => l.cmd === 'DEL');
  t.deepEqual(log.map((l) => l.name), ['record-b', 'record-a', 'record-b', 'record-a']);
  t.deepEqual(log[0]?.req['prevResult'], JSON.parse(JSON.stringify(added)));
  t.deepEqual(log[1]?.req['prevResult'], JSON.parse(JSON.stringify(added)));
  t.false('prevResult' in (log[2]?.req ?? {}));
  t.deepEqual(await readdir(join(dir, 'results')), []);
});

test('CHECK runs forward with the cached result; lists below 0.4.0 cannot CHECK; disableCheck skips plugins', async (t) => {
  const { runtime, lines } = await setup(t);
  await runtime.addNetworkList(chain('0.4.0'), rt);
  await runtime.checkNetworkList(chain('0.4.0'), rt);
  const checks = (await lines()).filter((l) => l.cmd === 'CHECK');
  t.deepEqual(checks.map((l) => l.name), ['record-a', 'record-b']);
  t.is((checks[0]?.req['prevResult'] as { cniVersion: string }).cniVersion, '0.4.0');
  const e = await t.throwsAsync(runtime.checkNetworkList(chain('0.3.1'), rt));
  t.is(e?.message, 'configuration version "0.3.1" does not support the CHECK command');
  const off = confListFromJson({ cniVersion: '1.0.0', name: 'kw-net', disableCheck: 'true', plugins: [{ type: 'fail-error' }] });
  await t.notThrowsAsync(runtime.checkNetworkList(off, rt));
});

test('a plugin error object becomes CniPluginError with its code, and libcni\'s message', async (t) => {
  const { dir, runtime } = await setup(t);
  const list = confListFromJson({ cniVersion: '1.0.0', name: 'kw-net', plugins: [{ type: 'record-a' }, { type: 'fail-error' }] });
  const e = await t.throwsAsync(runtime.addNetworkList(list, rt), { instanceOf: CniPluginError });
  t.is(e?.cniCode, 7);
  t.is(e?.message, 'plugin type="fail-error" failed (add): invalid network config; subnet 10.0.0.0/33');
  // No cache entry for a failed ADD.
  t.deepEqual(await readdir(dir).then((d) => d.filter((n) => n !== 'log')), []);
});

test('failures without an error object are described like libcni does', async (t) => {
  const { runtime } = await setup(t);
  const one = (type: string) => confListFromJson({ cniVersion: '1.0.0', name: 'kw-net', plugins: [{ type }] });
  const crash = await t.throwsAsync(runtime.addNetworkList(one('crash-stderr'), rt), { instanceOf: CniPluginError });
  t.is(crash?.msg, 'netplugin failed: "panic: boom\\n": exit status 2');
  const garbage = await t.throwsAsync(runtime.addNetworkList(one('garbage'), rt), { instanceOf: CniPluginError });
  t.regex(garbage?.msg ?? '', /^netplugin failed but error parsing its diagnostic message "this is not json\\n": /);
  const noexec = await t.throwsAsync(runtime.delNetworkList(one('not-executable'), rt), { instanceOf: CniPluginError });
  t.regex(noexec?.msg ?? '', /^netplugin failed with no error message: fork\/exec .*not-executable: permission denied$/);
});

test('a plugin that outlives the timeout is killed and reported as such', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'kw-cni-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const runtime = new CniRuntime({ invoker: new ExecInvoker(), path: [BIN], cache: new FileResultCache(dir), timeoutMs: 300 });
  const list = confListFromJson({ cniVersion: '1.0.0', name: 'kw-net', plugins: [{ type: 'sleeper' }] });
  const e = await t.throwsAsync(runtime.addNetworkList(list, rt), { instanceOf: CniTimeoutError });
  t.is(e?.code, 'KW_CNI_PLUGIN_TIMEOUT');
});

test('a missing plugin fails before any plugin runs, naming the JSON path and the searched path', async (t) => {
  const { runtime, lines } = await setup(t);
  const list = confListFromJson({ cniVersion: '1.0.0', name: 'kw-net', plugins: [{ type: 'record-a' }, { type: 'nope' }] }, { source: 'net.conflist' });
  const e = await t.throwsAsync(runtime.addNetworkList(list, rt));
  t.true(isInputError(e, 'KW_CNI_PLUGIN_NOT_FOUND'));
  t.is(e?.message, `net.conflist $.plugins[1].type: failed to find plugin "nope" in path [/nonexistent ${BIN}]`);
  t.deepEqual(await lines(), []);
});

test('bad attachment names are rejected before anything runs (libcni ValidateContainerID / InterfaceName)', async (t) => {
  const { runtime, lines } = await setup(t);
  const cases: Array<[Partial<RuntimeConf>, string]> = [
    [{ containerId: '-abc' }, 'runtimeConf.containerId: invalid characters in containerID; -abc (CNI code 4)'],
    [{ containerId: '' }, 'runtimeConf.containerId: missing containerID (CNI code 3)'],
    [{ ifName: 'a-very-long-name0' }, 'runtimeConf.ifName: interface name is too long; interface name should be less than 16 characters (CNI code 4)'],
    [{ ifName: 'a/b' }, 'runtimeConf.ifName: interface name contains / or : or whitespace characters (CNI code 4)'],
  ];
  for (const [bad, message] of cases) {
    const e = await t.throwsAsync(runtime.addNetworkList(chain(), { ...rt, ...bad }));
    t.is(e?.message, message);
  }
  t.deepEqual(await lines(), []);
});

test('STATUS answers as a value; VERSION decodes supportedVersions, and a pre-0.2.0 plugin means ["0.1.0"]', async (t) => {
  const { runtime } = await setup(t);
  const list = confListFromJson({ cniVersion: '1.1.0', name: 'kw-net', plugins: [{ type: 'record-a' }, { type: 'status-down' }] });
  t.deepEqual(await runtime.getStatus(list), { ready: false, code: 50, msg: 'no IP addresses left', details: 'range 10.0.0.0/30 exhausted' });
  t.deepEqual(await runtime.getStatus({ ...list, cniVersion: '1.0.0' }), { ready: true });
  t.deepEqual(await runtime.version('record'), { cniVersion: '1.1.0', supportedVersions: ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'] });
  t.deepEqual(await runtime.version('old-plugin'), { cniVersion: '0.1.0', supportedVersions: ['0.1.0'] });
  t.deepEqual(await runtime.validateNetworkList(chain()), ['bandwidth', 'portMappings']);
  const e = await t.throwsAsync(runtime.validateNetworkList(confListFromJson({ cniVersion: '1.1.0', name: 'n', plugins: [{ type: 'old-plugin' }] })));
  t.is(e?.message, '[plugin old-plugin does not support config version "1.1.0"]');
});

test('GC deletes cached attachments that are no longer valid, then sends GC with cni.dev/valid-attachments', async (t) => {
  const { runtime, lines } = await setup(t);
  const list = chain('1.1.0');
  await runtime.addNetworkList(list, { ...rt, containerId: 'keep' });
  await runtime.addNetworkList(list, { ...rt, containerId: 'stale' });
  await runtime.gcNetworkList(list, { validAttachments: [{ containerID: 'keep', ifname: 'eth0' }] });
  const log = (await lines()).filter((l) => l.cmd === 'DEL' || l.cmd === 'GC');
  t.deepEqual(log.map((l) => `${l.cmd} ${l.name}`), ['DEL record-b', 'DEL record-a', 'GC record-a', 'GC record-b']);
  t.deepEqual(log[2]?.req['cni.dev/valid-attachments'], [{ containerID: 'keep', ifname: 'eth0' }]);
  t.is(await runtime.getCachedResult(list, { containerId: 'stale', ifName: 'eth0' }), undefined);
  t.not(await runtime.getCachedResult(list, { containerId: 'keep', ifName: 'eth0' }), undefined);
});
