import test from 'ava';
import { checkProxyMode, preflight, prefixFor, realNames, sysctlsFor } from '../../src/realize/index.js';
import { tempDir } from '../helpers/temp-dir.js';

test('not root: a clear error before anything is created', (t) => {
  t.throws(() => preflight({ uid: 1000, path: '/usr/sbin:/usr/bin' }), { message: /needs root \(running as uid 1000\): run with sudo/ });
});

test('a missing tool is named, with the packages to install', (t) => {
  const empty = tempDir(t, 'kw-path-');
  t.throws(() => preflight({ uid: 0, path: empty, tools: ['ip', 'iptables-restore'] }), { message: /ip, iptables-restore not found on PATH/ });
  // Each tool's own package, once each: conntrack is not in iptables, sysctl is procps.
  t.throws(() => preflight({ uid: 0, path: empty, tools: ['ip', 'bridge', 'conntrack', 'sysctl'] }), {
    message: /install the Debian packages iproute2, conntrack, procps \(/,
  });
  t.throws(() => preflight({ uid: 0, path: empty, tools: ['nfacct'] }), { message: /install the Debian package nfacct \(/ });
});

test('IPVS on a kernel without it: said plainly, with another mode suggested; nftables and userspace too', (t) => {
  const noIpvs = tempDir(t, 'kw-proc-');
  t.throws(() => checkProxyMode('ipvs', noIpvs), { message: /has no IPVS .*Set proxyMode: iptables/ });
  // nftables needs the netfilter nft; an empty PATH has none (node_modules/.bin's @vercel/nft never counts).
  t.throws(() => checkProxyMode('nftables', '/proc', ''), { code: 'KW_REALIZE_MISSING_TOOL', message: /nft -f, but nft \(nftables\) was not found on PATH.*proxyMode: iptables/ });
  t.throws(() => checkProxyMode('nftables', '/proc', `${process.cwd()}/node_modules/.bin`), { code: 'KW_REALIZE_MISSING_TOOL' });
  t.notThrows(() => checkProxyMode('iptables'));
});

test('names: one prefix per topology path, every generated name within IFNAMSIZ', (t) => {
  const p = prefixFor('/a/three-node.yaml');
  t.regex(p, /^kw-[0-9a-f]{4}$/);
  t.is(prefixFor('/a/three-node.yaml'), p);
  t.not(prefixFor('/b/three-node.yaml'), p);
  const n = realNames(p);
  for (const name of [n.switchNs, n.node(9), n.pod(999), n.external(9), n.nodePort(99), n.externalPort(99)]) t.true(name.length <= 15 && name.startsWith(`${p}-`), name);
  t.throws(() => realNames('kw-xyz'), { message: /must look like kw-1a2b/ });
});

test('sysctls are explicit: nodes forward and answer ARP only for the receiving device; pods and hosts do not forward', (t) => {
  const node = new Map(sysctlsFor('node'));
  t.is(node.get('net.ipv4.ip_forward'), '1');
  t.is(node.get('net.ipv4.conf.all.arp_ignore'), '1');
  t.is(node.get('net.bridge.bridge-nf-call-iptables'), '1');
  t.is(node.get('net.ipv4.conf.all.route_localnet'), '0');
  t.is(new Map(sysctlsFor('node', { routeLocalnet: true })).get('net.ipv4.conf.all.route_localnet'), '1');
  for (const role of ['pod', 'external', 'switch'] as const) t.is(new Map(sysctlsFor(role)).get('net.ipv4.ip_forward'), '0', role);
  t.is(new Map(sysctlsFor('external')).get('net.ipv4.fib_multipath_hash_policy'), '1');
});
