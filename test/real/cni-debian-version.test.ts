import test from 'ava';
import { existsSync } from 'node:fs';
import { CniPluginError, CniRuntime, ExecInvoker, MemoryResultCache, confListFromJson } from '../../src/cni/index.js';
import { prerequisiteMissing } from './helpers/prerequisite.js';

// Harmless real-binary checks: VERSION and argument errors only, no namespace is touched.
// Needs Debian's containernetworking-plugins (apt-get install -y containernetworking-plugins).
const DIR = '/usr/lib/cni';
const have = existsSync(`${DIR}/loopback`);
const real = have ? test : test.skip;
if (!have) prerequisiteMissing('Debian CNI plugins', 'debian-cni', `${DIR}/loopback is not installed (apt-get install containernetworking-plugins)`);

const runtime = new CniRuntime({ invoker: new ExecInvoker(), path: [DIR], cache: new MemoryResultCache(), timeoutMs: 10_000 });

real('loopback answers VERSION as measured in cni.md §4', async (t) => {
  t.deepEqual(await runtime.version('loopback'), { cniVersion: '1.0.0', supportedVersions: ['0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.0.0'] });
  t.deepEqual((await runtime.version('firewall')).supportedVersions, ['0.4.0', '1.0.0']);
});

real('lint-style validation finds that no Debian plugin supports 1.1.0', async (t) => {
  const list = confListFromJson({ cniVersion: '1.1.0', name: 'kw-net', plugins: [{ type: 'loopback' }] });
  const e = await t.throwsAsync(runtime.validateNetworkList(list));
  t.is(e?.message, '[plugin loopback does not support config version "1.1.0"]');
});

real('a real plugin\'s version error decodes to the same object our skel prints in "go" style', async (t) => {
  const list = confListFromJson({ cniVersion: '9.9.9', name: 'kw-net', plugins: [{ type: 'loopback' }] });
  // DEL with a netns that does not exist is harmless; the version check fails before anything is done.
  const e = await t.throwsAsync(runtime.delNetworkList(list, { containerId: 'kwtest', netns: '', ifName: 'eth0' }), { instanceOf: CniPluginError });
  t.is(e?.cniCode, 1);
  t.is(e?.msg, 'incompatible CNI versions');
  t.is(e?.details, 'config is "9.9.9", plugin supports ["0.1.0" "0.2.0" "0.3.0" "0.3.1" "0.4.0" "1.0.0"]');
});
