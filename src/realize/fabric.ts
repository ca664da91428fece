import { ip4ToString } from '../addr/index.js';
import type { Cluster } from '../cluster/index.js';
import type { CommandRunner, Kernel } from '../kernel/index.js';
import { inNs, must } from './exec.js';
import type { RealNames } from './names.js';
import { RealizeError } from './preflight.js';
import { type NetnsRole, sysctlArgv, sysctlsFor } from './sysctls.js';

/** flannel's VXLAN device as the emulator builds it (cluster/node-network.ts). */
const FLANNEL = { dev: 'flannel.1', vni: 1, port: 8472, mtu: 1450 } as const;

export interface FabricContext {
  readonly kernel: Kernel;
  readonly runner: CommandRunner;
  readonly cluster: Cluster;
  readonly names: RealNames;
  /** Called before a namespace is created, so the state file names it first. */
  readonly record: (netns: string) => void;
  /** The nft binary, in nftables mode (checkProxyMode found it). */
  readonly nft?: string;
}

/** A namespace with its sysctls set and lo up, before any other link exists in it. */
export async function addNetns(c: FabricContext, ns: string, role: NetnsRole, routeLocalnet = false): Promise<void> {
  c.record(ns);
  await c.kernel.netns.add(ns);
  await must(c.runner, inNs(ns, sysctlArgv(sysctlsFor(role, { routeLocalnet }))));
  await c.kernel.link.setUp(ns, 'lo', true);
}

/**
 * The node network: one bridge in the switch namespace and a veth from it to eth0 of every node and external host,
 * with their addresses and the default route to the gateway when there is one (the gateway itself is not a host:
 * what goes to it goes nowhere, as in the emulator, where such paths "exit").
 */
export async function wireNodeNetwork(c: FabricContext): Promise<void> {
  const { kernel: k, names, cluster } = c;
  await addNetns(c, names.switchNs, 'switch');
  await k.link.addBridge(names.switchNs, names.switchBridge);
  await k.link.setUp(names.switchNs, names.switchBridge, true);
  const net = cluster.topology.cluster.nodeNetwork;
  const hosts = [
    ...cluster.topology.nodes.map((n, i) => ({ ns: names.node(i), port: names.nodePort(i), ip: n.ip, role: 'node' as const, emu: cluster.nodes.get(n.name)?.netns })),
    ...cluster.topology.external.map((e, i) => ({ ns: names.external(i), port: names.externalPort(i), ip: e.ip, role: 'external' as const, emu: undefined })),
  ];
  for (const h of hosts) {
    await addNetns(c, h.ns, h.role, h.emu?.sysctl.routeLocalnet ?? false);
    await k.link.addVeth({ netns: names.switchNs, name: h.port }, { netns: h.ns, name: 'eth0' });
    await k.link.setMaster(names.switchNs, h.port, names.switchBridge);
    await k.link.setUp(names.switchNs, h.port, true);
    await k.addr.add(h.ns, 'eth0', `${ip4ToString(h.ip)}/${net.cidr.prefix}`);
    await k.link.setUp(h.ns, 'eth0', true);
    if (net.gateway !== undefined) await k.route.add(h.ns, { dst: '0.0.0.0/0', gw: ip4ToString(net.gateway), dev: 'eth0' });
  }
}

/**
 * Pod traffic between nodes. host-gw: a route per remote podCIDR via that node's IP. vxlan (flannel): flannel.1 with
 * VNI 1 on port 8472, the podCIDR's network address as /32, and per remote node an onlink route via its VTEP address,
 * a permanent neighbour entry for that address and an FDB entry sending its MAC to the node's IP. VTEP MACs are the
 * emulator's, so both sides hold the same tables.
 */
export async function wirePodNetwork(c: FabricContext): Promise<void> {
  const { kernel: k, names, cluster } = c;
  const nodes = cluster.topology.nodes;
  const macs = nodes.map((n) => {
    const l = cluster.nodes.get(n.name)?.netns.link(FLANNEL.dev);
    return l === undefined ? undefined : String(l.mac);
  });
  if (cluster.topology.cluster.network === 'vxlan') {
    for (const [i, n] of nodes.entries()) {
      const ns = names.node(i);
      const mac = macs[i];
      await k.link.addVxlan(ns, FLANNEL.dev, { vni: FLANNEL.vni, port: FLANNEL.port, local: ip4ToString(n.ip), dev: 'eth0', learning: false, mtu: FLANNEL.mtu, ...(mac === undefined ? {} : { mac }) });
      await k.addr.add(ns, FLANNEL.dev, `${ip4ToString(n.podCIDR.network)}/32`);
      await k.link.setUp(ns, FLANNEL.dev, true);
    }
  }
  for (const [i, n] of nodes.entries()) {
    const ns = names.node(i);
    for (const [j, m] of nodes.entries()) {
      if (i === j) continue;
      if (cluster.topology.cluster.network === 'host-gw') {
        await k.route.add(ns, { dst: m.podCIDR.toString(), gw: ip4ToString(m.ip), dev: 'eth0' });
        continue;
      }
      const vtep = ip4ToString(m.podCIDR.network);
      const mac = macs[j];
      if (mac === undefined) throw new Error(`emulator has no ${FLANNEL.dev} on ${m.name}`);
      await k.neigh.replace(ns, { ip: vtep, dev: FLANNEL.dev, mac });
      await k.fdb.append(ns, { mac, dev: FLANNEL.dev, dst: ip4ToString(m.ip) });
      await k.route.add(ns, { dst: m.podCIDR.toString(), gw: vtep, dev: FLANNEL.dev, onlink: true });
    }
  }
}

/**
 * Each node's iptables as the emulator holds it (kubelet's chains and kube-proxy's sync), loaded with iptables-restore;
 * in nftables mode also kube-proxy's `ip kube-proxy` table, loaded with `nft -f` as `nft list ruleset` prints it (the
 * kernel keeps it apart from the iptables-nft tables, and deleting the namespace deletes it).
 */
export async function loadKubeProxyRules(c: FabricContext): Promise<void> {
  for (const [i, n] of c.cluster.topology.nodes.entries()) {
    const proxy = c.cluster.proxies.get(n.name);
    if (proxy === undefined) continue;
    // The CNI plugins' rules (ipMasq, portmap) are left out: the real plugins write their own during each pod's ADD,
    // and verify then compares what they wrote with what the emulated plugins did.
    const text = c.cluster.rulesBeforePlugins?.get(n.name) ?? proxy.iptablesSave();
    // kube-proxy creates its nfacct counters over netlink before it references them (`-m nfacct --nfacct-name`);
    // the counter objects are per namespace.
    for (const name of new Set([...text.matchAll(/--nfacct-name (\S+)/g)].map((m) => m[1] ?? ''))) {
      if (name !== '') await must(c.runner, inNs(c.names.node(i), ['nfacct', 'add', name]));
    }
    await c.kernel.iptables.restore(c.names.node(i), text);
    if (proxy.mode === 'nftables') await loadNftTable(c, n.name, c.names.node(i), proxy.rules());
  }
}

/** `nft -f -` in the node's namespace; a refusal (an nft too old, a kernel without nft_fib…) names the node and nft's words. */
async function loadNftTable(c: FabricContext, node: string, ns: string, text: string): Promise<void> {
  if (c.nft === undefined) throw new RealizeError('KW_REALIZE_MISSING_TOOL', `node ${node}: proxyMode nftables needs nft, and none was found`);
  const r = await c.runner.run(inNs(ns, [c.nft, '-f', '-']), { stdin: text });
  if (r.code !== 0) {
    throw new RealizeError('KW_REALIZE_NFT', `node ${node} (${ns}): ${c.nft} -f refused kube-proxy's nftables table (exit ${r.code}): ${r.stderr.trim().split('\n').slice(0, 6).join(' | ') || 'no message'}. Check that the kernel has nf_tables with nft_fib, nft_numgen, nft_reject and nft_nat (or use proxyMode: iptables); see the table with: kubewire rules ${c.cluster.topology.file} --node ${node}`);
  }
}

/**
 * LoadBalancer ingress as announced in the emulator. bgp: the upstream router's ECMP route on every external host
 * (`nexthop via <node> weight 1` per announcing node). l2: the answer MetalLB's speaker gives to ARP, as a permanent
 * neighbour entry for the address pointing at the chosen node's eth0.
 */
export async function announceLoadBalancers(c: FabricContext): Promise<void> {
  const { cluster, names, runner } = c;
  const nodeIndex = new Map(cluster.topology.nodes.map((n, i) => [n.name, i] as const));
  for (const a of cluster.announcements) {
    if (a.nodes.length === 0) continue;
    const ip = ip4ToString(a.ip);
    for (const [xi] of cluster.topology.external.entries()) {
      const xns = names.external(xi);
      if (a.mode === 'bgp') {
        const hops = a.nodes.flatMap((n) => {
          const spec = cluster.nodes.get(n)?.spec;
          return spec === undefined ? [] : ['nexthop', 'via', ip4ToString(spec.ip), 'dev', 'eth0', 'weight', '1'];
        });
        await must(runner, ['ip', '-n', xns, 'route', 'add', `${ip}/32`, ...hops]);
      } else {
        const ni = nodeIndex.get(a.nodes[0] ?? '');
        if (ni === undefined) continue;
        const eth0 = await c.kernel.link.get(names.node(ni), 'eth0');
        if (eth0 === undefined) throw new Error(`node ${a.nodes[0] ?? ''} has no eth0`);
        await c.kernel.neigh.replace(xns, { ip, dev: 'eth0', mac: eth0.mac });
      }
    }
  }
}
