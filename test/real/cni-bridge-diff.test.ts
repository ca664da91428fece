import test from 'ava';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Sandbox } from '../../src/cni/index.js';
import { prerequisiteMissing } from './helpers/prerequisite.js';

// Our bridge+host-local executables against Debian's on the same config, each in its own throwaway kw-v-* namespace
// pair: same result and same kernel state (links, addresses, routes, nat rules, leases, sysctls), after ADD and after DEL.
const root = process.getuid?.() === 0;
const debian = existsSync('/usr/lib/cni/bridge');
const why = !root ? 'not root: needs real network namespaces' : !debian ? '/usr/lib/cni missing (apt-get install containernetworking-plugins)' : '';
const real = why === '' ? test : test.skip;
if (why !== '') prerequisiteMissing('bridge differential test', root ? 'debian-cni' : 'root', why);

const OURS = fileURLToPath(new URL('../../cni-plugins/bin/', import.meta.url));

interface State { result: unknown; host: unknown; cont: unknown; nat: string[]; leases: string[]; forward: string | undefined }

async function attach(dir: string, verbs: readonly ('ADD' | 'DEL')[]): Promise<State[]> {
  const sb = new Sandbox();
  const states: State[] = [];
  try {
    await sb.open();
    const input = JSON.stringify({
      cniVersion: '1.0.0', name: 'kw-diff', type: 'bridge', bridge: 'kw-br0', isGateway: true, ipMasq: true, hairpinMode: true, mtu: 1400,
      ipam: { type: 'host-local', ranges: [[{ subnet: '10.99.0.0/24' }]], routes: [{ dst: '0.0.0.0/0' }], dataDir: sb.dataDir },
    });
    const env = (cmd: string) => ({ CNI_COMMAND: cmd, CNI_CONTAINERID: 'kw-diff-1', CNI_NETNS: sb.contPath, CNI_IFNAME: 'eth0', CNI_ARGS: '', CNI_PATH: dir });
    for (const verb of verbs) {
      const r = await sb.run(`${dir}bridge`, env(verb), input);
      if (r.exitCode !== 0) throw new Error(`${dir}bridge ${verb} failed (exit ${r.exitCode}): ${r.stdout}${r.stderr}`);
      const veths = new Map<string, string>();
      const norm = (text: string) => text.replaceAll(sb.contPath, 'NETNS').replace(/veth[0-9a-f]{8}/g, (v) => veths.get(v) ?? (veths.set(v, `VETH${veths.size}`), `VETH${veths.size - 1}`)).replace(/([0-9a-f]{2}:){5}[0-9a-f]{2}/g, 'MAC');
      const k = sb.kernel;
      const links = async (ns: string) => JSON.parse(norm(JSON.stringify((await k.link.list(ns)).map(({ ifindex: _i, peer: _p, ...l }) => l)))) as unknown;
      const net = readdirSync(sb.dataDir).flatMap((n) => readdirSync(`${sb.dataDir}/${n}`).filter((f) => f !== 'lock').map((f) => `${f}=${readFileSync(`${sb.dataDir}/${n}/${f}`, 'utf8')}`));
      const result = r.stdout.trim() === '' ? undefined : JSON.parse(norm(r.stdout)) as Record<string, unknown>;
      if (result !== undefined && JSON.stringify(result['dns']) === '{}') delete result['dns']; // Go's 1.1.x lib prints an empty dns
      states.push({
        result,
        host: { links: await links(sb.hostNs), addrs: await k.addr.list(sb.hostNs), routes: JSON.parse(norm(JSON.stringify(await k.route.list(sb.hostNs)))) as unknown },
        cont: { links: await links(sb.contNs), addrs: await k.addr.list(sb.contNs), routes: JSON.parse(norm(JSON.stringify(await k.route.list(sb.contNs)))) as unknown },
        nat: (await k.iptables.save(sb.hostNs, 'nat')).split('\n').filter((l) => l.startsWith('-') || l.startsWith(':')).map((l) => l.replace(/\[\d+:\d+\]/, '')),
        leases: net.sort(),
        forward: await k.sysctl.get(sb.hostNs, 'net.ipv4.ip_forward'),
      });
    }
  } finally {
    await sb.close();
  }
  return states;
}

real('our bridge+host-local (run as executables from cwd /) leave the same result and namespaces as Debian\'s', async (t) => {
  t.timeout(4 * 60_000);
  const theirs = await attach('/usr/lib/cni/', ['ADD', 'DEL']);
  const cwd = process.cwd();
  process.chdir('/');
  let ours: State[];
  try {
    ours = await attach(OURS, ['ADD', 'DEL']);
  } finally {
    process.chdir(cwd);
  }
  t.log(JSON.stringify(theirs[0], null, 1));
  t.deepEqual(ours[0], theirs[0], 'after ADD');
  t.deepEqual(ours[1], theirs[1], 'after DEL');
  t.like(theirs[0]?.result, { cniVersion: '1.0.0', ips: [{ interface: 2, address: '10.99.0.2/24', gateway: '10.99.0.1' }], routes: [{ dst: '0.0.0.0/0' }] });
});
