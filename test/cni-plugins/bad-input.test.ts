import test from 'ava';
import { CniPluginError, confListFromJson } from '../../src/cni/index.js';
import { runCli } from '../../src/cli/main.js';
import { world } from './helpers.js';

const rt = { containerId: 'c1', netns: '/run/netns/pod/default/web', ifName: 'eth0' };
const CASES: [string, Record<string, unknown>, RegExp][] = [
  ['bridge mtu of the wrong type', { type: 'bridge', mtu: '1500', ipam: { type: 'host-local', subnet: '10.1.0.0/24' } }, /\$\.mtu: expected a number/],
  ['host-local range set that is not an array', { type: 'bridge', ipam: { type: 'host-local', ranges: [{ subnet: '10.1.0.0/24' }] } }, /\$\.ipam\.ranges\[0\]: expected an array of ranges/],
  ['host-local route without dst', { type: 'bridge', ipam: { type: 'host-local', subnet: '10.1.0.0/24', routes: [{ gw: '10.1.0.1' }] } }, /\$\.ipam\.routes\[0\]\.dst: expected a CIDR string/],
  ['portmap mapping without a number', { type: 'portmap', runtimeConfig: { portMappings: [{ hostPort: 'x', containerPort: 80 }] } }, /Invalid host port number: x/],
  ['ptp mtu as a string', { type: 'ptp', mtu: 'big', ipam: { type: 'host-local', subnet: '10.1.0.0/24' } }, /\$\.mtu: expected a whole number, got "big"/],
  ['vxlan vni out of range', { type: 'vxlan', ipam: { type: 'host-local', subnet: '10.1.0.0/24' }, vxlan: { vni: 1 << 25 } }, /\$\.vxlan\.vni: expected a whole number 0\.\.16777215/],
];

for (const [name, plugin, msg] of CASES) {
  test(`bad input to the runtime: ${name} — a clear error with the JSON path, nothing left behind`, async (t) => {
    const w = world();
    const before = [...w.network.get('node/a').links.keys()];
    const e = await t.throwsAsync(w.runtime.addNetworkList(confListFromJson({ cniVersion: '1.0.0', name: 'kw', plugins: [plugin] }), rt), { instanceOf: CniPluginError });
    t.regex(e?.message ?? '', msg);
    t.deepEqual([...w.network.get('pod/default/web').links.keys()], ['lo']);
    t.deepEqual([...w.network.get('node/a').links.keys()], before);
    t.deepEqual([...w.mem.files.keys()].filter((f) => !f.includes('last_reserved')), []);
  });
}

test('a well-known key of the wrong type is refused by the runtime before any plugin runs, with its JSON path', (t) => {
  t.throws(() => confListFromJson({ cniVersion: '1.0.0', name: 'kw', plugins: [{ type: 'ptp', ipMasq: 'yes' }] }), { message: /\$\.plugins\[0\]\.ipMasq must be of type boolean/ });
});

test('kubewire cni validate: bad input exits 2 with what and where', async (t) => {
  let err = '';
  const io = { stdout: () => undefined, stderr: (s: string) => { err += s; } };
  if (process.getuid?.() !== 0) {
    t.is(await runCli(['cni', 'validate', '--plugin', '/usr/lib/cni/bridge'], io), 2);
    t.regex(err, /run it as root/);
    return;
  }
  t.is(await runCli(['cni', 'validate', '--plugin', '/nonexistent/bridge'], io), 2);
  t.regex(err, /--plugin: "\/nonexistent\/bridge" is not an executable file/);
  err = '';
  t.is(await runCli(['cni', 'validate', '--plugin', '/bin/true'], io), 2);
  t.regex(err, /no built-in test config for a plugin named "true": give --config <file>/);
  err = '';
  t.is(await runCli(['cni', 'validate', '--plugin', '/bin/true', '--config', '/etc/hostname'], io), 2);
  t.regex(err, /\/etc\/hostname: \$: not JSON/);
});
