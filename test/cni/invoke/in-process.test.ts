import test from 'ava';
import { KubewireError } from '../../../src/lib/index.js';
import { CniError, CniPluginError, CniRuntime, InProcessInvoker, MemoryResultCache, confListFromJson, encodeResult, parsePrevResult, type CmdArgs, type CniPlugin, type CniResult, type Result100, type RuntimeConf } from '../../../src/cni/index.js';

/** A toy kernel handle: the skel passes it through untouched, which is all it may do. */
interface FakeKernel { readonly links: Map<string, string> }

const rt: RuntimeConf = { containerId: 'pod1', netns: '/run/netns/kw-pod1', ifName: 'eth0', capabilityArgs: { portMappings: [{ hostPort: 80, containerPort: 8080, protocol: 'tcp' }] } };

function makeRuntime(opts: { failPortmap?: boolean; hang?: boolean } = {}) {
  const kernel: FakeKernel = { links: new Map() };
  const seen: Array<{ type: string; cmd: string; config: Record<string, unknown> }> = [];
  const iface: CniPlugin<FakeKernel> = {
    add: (a: CmdArgs<FakeKernel>): CniResult => {
      seen.push({ type: 'iface', cmd: 'ADD', config: a.config });
      a.kernel.links.set(`${a.containerId}/${a.ifName}`, a.netns);
      return { cniVersion: '1.1.0', interfaces: [{ name: a.ifName, sandbox: a.netns }], ips: [{ interface: 0, address: '10.244.0.5/24', gateway: '10.244.0.1' }] };
    },
    del: (a) => { seen.push({ type: 'iface', cmd: 'DEL', config: a.config }); a.kernel.links.delete(`${a.containerId}/${a.ifName}`); },
    check: (a) => { if (!a.kernel.links.has(`${a.containerId}/${a.ifName}`)) throw new CniError(3, 'container unknown'); },
  };
  const portmap: CniPlugin<FakeKernel> = {
    add: async (a) => {
      seen.push({ type: 'portmap', cmd: 'ADD', config: a.config });
      if (opts.hang === true) await new Promise(() => undefined);
      if (opts.failPortmap === true) throw new Error('could not add DNAT rule');
      const prev = parsePrevResult(a.config);
      if (prev === undefined) throw new Error('must be called as chained plugin');
      return prev; // chained plugins echo prevResult
    },
    del: (a) => { seen.push({ type: 'portmap', cmd: 'DEL', config: a.config }); },
    check: () => undefined,
  };
  const supportedVersions = ['0.3.1', '0.4.0', '1.0.0', '1.1.0'];
  const invoker = new InProcessInvoker({ iface: { plugin: iface, info: { supportedVersions } }, portmap: { plugin: portmap, info: { supportedVersions } } }, kernel);
  const cache = new MemoryResultCache();
  const runtime = new CniRuntime({ invoker, path: ['/opt/cni/bin'], cache, ...(opts.hang === true ? { timeoutMs: 50 } : {}) });
  return { runtime, kernel, seen, cache };
}

const list = (cniVersion: string) => confListFromJson({ cniVersion, name: 'kw-pods', plugins: [{ type: 'iface' }, { type: 'portmap', capabilities: { portMappings: true } }] });

test('in-process ADD/CHECK/DEL over the same protocol: results converted to the list version, prevResult chained', async (t) => {
  for (const v of ['0.3.1', '0.4.0', '1.0.0', '1.1.0']) {
    const { runtime, kernel, seen, cache } = makeRuntime();
    const res = await runtime.addNetworkList(list(v), rt);
    t.is(res.cniVersion as string, v);
    t.deepEqual(seen[1]?.config['runtimeConfig'], { portMappings: [{ hostPort: 80, containerPort: 8080, protocol: 'tcp' }] }, v);
    t.is((seen[1]?.config['prevResult'] as { cniVersion: string }).cniVersion, v);
    t.is(kernel.links.get('pod1/eth0'), '/run/netns/kw-pod1');
    if (v !== '0.3.1') await runtime.checkNetworkList(list(v), rt);
    await runtime.delNetworkList(list(v), rt);
    t.deepEqual(seen.filter((s) => s.cmd === 'DEL').map((s) => s.type), ['portmap', 'iface'], v);
    t.is(kernel.links.size, 0);
    t.is(cache.size, 0);
  }
});

test('an in-process plugin error reaches the runtime as CniPluginError (code 999), and nothing is cached', async (t) => {
  const { runtime, cache } = makeRuntime({ failPortmap: true });
  const e = await t.throwsAsync(runtime.addNetworkList(list('1.0.0'), rt), { instanceOf: CniPluginError });
  t.is(e?.message, 'plugin type="portmap" failed (add): could not add DNAT rule');
  t.is(e?.cniCode, 999);
  t.is(cache.size, 0);
});

test('CHECK of an attachment the plugin does not know surfaces code 3', async (t) => {
  const { runtime, kernel } = makeRuntime();
  await runtime.addNetworkList(list('1.0.0'), rt);
  kernel.links.clear();
  const e = await t.throwsAsync(runtime.checkNetworkList(list('1.0.0'), rt), { instanceOf: CniPluginError });
  t.is(e?.cniCode, 3);
});

test('a corrupt (zero-byte) cache entry does not block DEL: it is dropped and DEL runs without prevResult (cni#1055)', async (t) => {
  const { runtime, seen, cache } = makeRuntime();
  cache.putRaw({ networkName: 'kw-pods', containerId: 'pod1', ifName: 'eth0' }, '');
  await runtime.delNetworkList(list('1.0.0'), rt);
  t.deepEqual(seen.map((s) => `${s.cmd} ${s.type} ${'prevResult' in s.config}`), ['DEL portmap false', 'DEL iface false']);
  t.is(cache.size, 0);
  // CHECK, by contrast, reports the corruption.
  cache.putRaw({ networkName: 'kw-pods', containerId: 'pod1', ifName: 'eth0' }, '{"kind":"cniCacheV1","result":{"cniVersion":"1.0.0","ips":[{"address":"x"}]}}');
  const e = await t.throwsAsync(runtime.checkNetworkList(list('1.0.0'), rt), { instanceOf: KubewireError });
  t.is(e?.code, 'KW_CNI_CACHE_CORRUPT');
});

test('an in-process plugin that never answers is abandoned after the timeout', async (t) => {
  const { runtime } = makeRuntime({ hang: true });
  const e = await t.throwsAsync(runtime.addNetworkList(list('1.0.0'), rt), { instanceOf: KubewireError });
  t.is(e?.code, 'KW_CNI_PLUGIN_TIMEOUT');
});

test('capability args kept deep-frozen per node (a kubelet passes the same ones for every pod) give each request the runtimeConfig fresh ones give', async (t) => {
  const frozen: RuntimeConf['capabilityArgs'] = Object.freeze({ portMappings: Object.freeze([Object.freeze({ hostPort: 80, containerPort: 8080, protocol: 'tcp' })]) });
  const fresh = makeRuntime();
  const kept = makeRuntime();
  for (const containerId of ['pod1', 'pod2', 'pod3']) {
    const a = await fresh.runtime.addNetworkList(list('1.0.0'), { ...rt, containerId });
    const b = await kept.runtime.addNetworkList(list('1.0.0'), { ...rt, containerId, ...(frozen === undefined ? {} : { capabilityArgs: frozen }) });
    t.deepEqual(b, a);
  }
  const requests = (r: ReturnType<typeof makeRuntime>) => r.seen.filter((s) => s.type === 'portmap').map((s) => JSON.stringify(s.config));
  t.deepEqual(requests(kept), requests(fresh));
  t.deepEqual(kept.seen[1]?.config['runtimeConfig'], { portMappings: [{ hostPort: 80, containerPort: 8080, protocol: 'tcp' }] });
});

test('a chained plugin parsing the prevResult the runtime handed it prints what parsing that request text gives', async (t) => {
  const { runtime, seen } = makeRuntime();
  await runtime.addNetworkList(list('1.1.0'), rt);
  const config = seen[1]?.config as Parameters<typeof parsePrevResult>[0] | undefined;
  if (config === undefined) return t.fail('portmap did not run');
  const parsedValue = parsePrevResult(config);
  const parsedText = parsePrevResult(JSON.parse(JSON.stringify(config)) as typeof config);
  if (parsedValue === undefined || parsedText === undefined) return t.fail('no prevResult');
  t.is(encodeResult(parsedValue), encodeResult(parsedText));
  t.is(encodeResult(parsedValue, { emptyDns: 'omit' }), encodeResult(parsedText, { emptyDns: 'omit' }));
  t.deepEqual((parsedValue as Result100).ips, [{ interface: 0, address: '10.244.0.5/24', gateway: '10.244.0.1' }]);
});

test('the memory cache reads an entry back as its file text decodes, for frozen capability args too (undefined keys and -0 are not JSON)', (t) => {
  const cache = new MemoryResultCache();
  const key = { networkName: 'kw-pods', containerId: 'pod1', ifName: 'eth0' };
  const clean = Object.freeze({ ipRanges: Object.freeze([Object.freeze([Object.freeze({ subnet: '10.244.1.0/24' })])]) });
  const odd = Object.freeze({ ipRanges: Object.freeze([Object.freeze([Object.freeze({ subnet: '10.244.1.0/24', gateway: undefined })])]), bandwidth: Object.freeze({ ingressRate: -0 }) });
  for (const capabilityArgs of [clean, odd]) {
    cache.now?.put({ ...key, netns: '/run/netns/p1', capabilityArgs, config: '{}', result: { cniVersion: '1.0.0' } });
    const text = cache.text(key);
    t.deepEqual(cache.now?.get(key)?.capabilityArgs, JSON.parse(JSON.stringify(capabilityArgs)) as unknown);
    t.is(text, JSON.stringify({ kind: 'cniCacheV1', containerId: 'pod1', config: 'e30=', ifName: 'eth0', networkName: 'kw-pods', netns: '/run/netns/p1', capabilityArgs, result: { cniVersion: '1.0.0' } }));
  }
  t.true(Object.is((cache.now?.get(key)?.capabilityArgs as { bandwidth: { ingressRate: number } }).bandwidth.ingressRate, 0));
});
