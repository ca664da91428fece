import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { Cidr4, ip4, ip4ToString, type Mac, macFromName, parseIp4 } from '../../src/addr/index.js';
import { Tracer } from '../../src/datapath/index.js';
import { type Hook, type HookHandler, type HostView, Ipvs, NEW_CT, Netfilter, type Netns, Network, Nftables, type Skb } from '../../src/net/index.js';
import { type Packet, makePacket } from '../../src/packet/index.js';
import { type BuiltinJump, ENSURED_JUMPS, ensuredJumpText, nodeViewWithJumps, IptablesProxier, IpvsProxier, NftablesProxier, type ProxierConfig, type ProxyMode, UserspaceProxier, UserspaceSockets } from '../../src/proxy/index.js';
import { type BenchContext, round } from './figure.js';

/**
 * Per-mode figures at 10,000 Services x 3 endpoints (--quick: 1,000): the CPU time to render each
 * mode's rules (iptables-restore text; IPVS table + ipsets + iptables; userspace portals; the nft
 * table printed as `nft list ruleset`), and first-packet traces per second through one node
 * (a packet arrives on eth0 for a random ClusterIP, is load-balanced by the mode's mechanism,
 * forwarded and leaves). CPU time (process.cpuUsage), not wall time: the machine is shared. The modes are timed in
 * ten interleaved rounds, so their ratios are measured side by side.
 * KW_BENCH_MODE=<mode> limits the run to one mode (for profiling); KW_BENCH_REPEAT=<k> runs k times
 * as many traces and walks.
 */
export function benchModes(ctx: BenchContext): void {
  const n = ctx.quick ? 1000 : 10000;
  const tag = ctx.quick ? '1k-services' : '10k-services';
  // KW_BENCH_REPEAT=<k> times as many traces and walks (steadier figures when profiling at 1k).
  const repeat = Math.max(1, Number(process.env['KW_BENCH_REPEAT'] ?? 1) || 1);
  const traces = (ctx.quick ? 2000 : 100000) * repeat;
  const walks = (ctx.quick ? 10000 : 200000) * repeat;
  const svcs = Array.from({ length: n }, (_, i) => service(i));
  const slices = Array.from({ length: n }, (_, i) => slice(i));
  const modes = (['iptables', 'ipvs', 'userspace', 'nftables'] as const).filter((m) => process.env['KW_BENCH_MODE'] === undefined || process.env['KW_BENCH_MODE'] === m);
  const packets = Array.from({ length: 4096 }, (_, i) =>
    makePacket({ src: ip4(0x0a000002 + (i % 200)), dst: parseIp4(clusterIP((i * 7919) % n)), proto: 'tcp', sport: 30000 + (i % 30000), dport: 80 }),
  );
  const packet = (i: number): Packet => packets[i % packets.length] ?? packets[0] ?? NEVER;
  // Every mode's node is built first, then the modes are timed in interleaved rounds: the trace-vs-iptables ratios
  // are measured side by side, so a change in the machine's speed or the process's heap and JIT state during the run
  // falls on every mode alike instead of on whichever mode happened to run then.
  const nodes = modes.map((mode) => {
    const node = buildNode(mode, svcs, slices, (ms) => ctx.report({ name: `modes.${mode}.render.${tag}`, value: round(ms, 1), unit: 'ms' }));
    return { mode, ns: node.net.get('node/bench'), tracer: new Tracer(node.net), hookMs: 0, traceMs: 0, branches: 0, paths: 0 };
  });
  // Warm up the JIT and the lazily compiled chains of every mode before any timing.
  for (const m of nodes) {
    for (let i = 0; i < 1000; i++) hookWalk(m.ns, packet(i));
    for (let i = 0; i < 500; i++) m.tracer.trace({ from: 'node/bench', packet: packet(i), inDev: 'eth0' });
  }
  const rounds = 10;
  for (let r = 0; r < rounds; r++) {
    const w0 = (r * walks) / rounds;
    const w1 = ((r + 1) * walks) / rounds;
    const t0 = (r * traces) / rounds;
    const t1 = ((r + 1) * traces) / rounds;
    for (const m of nodes) {
      // The mode's data plane alone: its handlers (and the node's netfilter) hook by hook, no tracer.
      m.hookMs += cpuMs(() => {
        for (let i = w0; i < w1; i++) m.branches += hookWalk(m.ns, packet(i));
      });
      m.traceMs += cpuMs(() => {
        for (let i = t0; i < t1; i++) m.paths += m.tracer.trace({ from: 'node/bench', packet: packet(i), inDev: 'eth0' }).paths.length;
      });
    }
  }
  const rates = new Map<ProxyMode, number>();
  for (const m of nodes) {
    ctx.report({ name: `modes.${m.mode}.hooks.${tag}`, value: round((walks * 1000) / Math.max(m.hookMs, 1e-6)), unit: 'packets/s' });
    if (m.branches < walks) ctx.note(`modes.${m.mode}: only ${m.branches} branches for ${walks} packets`);
  }
  for (const m of nodes) {
    const rate = (traces * 1000) / Math.max(m.traceMs, 1e-6);
    rates.set(m.mode, rate);
    ctx.report({ name: `modes.${m.mode}.trace.${tag}`, value: round(rate), unit: 'traces/s' });
    if (m.paths < traces) ctx.note(`modes.${m.mode}: only ${m.paths} paths for ${traces} traces`);
  }
  const base = rates.get('iptables') ?? 1;
  for (const mode of ['ipvs', 'userspace', 'nftables'] as const) ctx.report({ name: `modes.${mode}.trace-vs-iptables`, value: round((rates.get(mode) ?? 0) / base, 2), unit: 'x' });
}

const NEVER: Packet = makePacket({ src: ip4(0), dst: ip4(0), proto: 'tcp', sport: 1, dport: 1 });

const HOST: HostView = {
  netns: 'node/bench',
  addrType: (ip) => (ip === NODE_IP ? 'LOCAL' : 'UNICAST'),
  primaryAddress: () => NODE_IP,
  sourceAddressFor: () => NODE_IP,
};

/**
 * A first packet through a node's hooks as the kernel orders them (PREROUTING, then INPUT if the
 * destination is local or FORWARD, then POSTROUTING; a re-routed or proxied packet continues at
 * POSTROUTING / OUTPUT), following the first branch of every fork. Returns the branches seen.
 */
function hookWalk(ns: Netns, packet: Packet): number {
  let skb: Skb = { packet, mark: 0, ct: NEW_CT, inDev: 'eth0', outDev: undefined, physIn: undefined, physOut: undefined, bridged: false };
  let seen = 0;
  const run = (hook: Hook): 'accept' | 'end' | 'reroute' => {
    for (const h of ns.handlers(hook)) {
      const bs = h.process(hook, skb, HOST);
      seen += bs.length;
      const b = bs[0];
      if (b === undefined) return 'end';
      skb = b.skb;
      const v = b.verdict;
      if (v.kind === 'reroute') return 'reroute';
      if (v.kind === 'proxy') {
        skb = { packet: v.packet, mark: 0, ct: NEW_CT, inDev: undefined, outDev: 'eth0', physIn: undefined, physOut: undefined, bridged: false, ...(skb.pathState === undefined ? {} : { pathState: skb.pathState }) };
        return run('OUTPUT') === 'end' ? 'end' : 'reroute';
      }
      if (v.kind !== 'accept') return 'end';
    }
    return 'accept';
  };
  if (run('PREROUTING') === 'end') return seen;
  const local = ns.isLocal(skb.packet.dst);
  const second = run(local ? 'INPUT' : 'FORWARD');
  if (second === 'end' || (local && second === 'accept')) return seen;
  skb = { ...skb, outDev: 'eth0' };
  run('POSTROUTING');
  return seen;
}

const clusterIP = (i: number): string => ip4ToString(ip4(0xac1e0000 + 1 + i));

function service(i: number): Service {
  return { metadata: { namespace: `ns${i % 100}`, name: `svc${i}`, resourceVersion: '1' }, spec: { clusterIP: clusterIP(i), ports: [{ name: 'p80', port: 80, protocol: 'TCP' }] } };
}

function slice(i: number): EndpointSlice {
  const addresses = [0, 1, 2].map((e) => ip4ToString(ip4(0x0ab40000 + i * 3 + e)));
  return {
    metadata: { namespace: `ns${i % 100}`, name: `svc${i}-1`, labels: { 'kubernetes.io/service-name': `svc${i}` }, resourceVersion: '1' },
    addressType: 'IPv4',
    endpoints: addresses.map((a) => ({ addresses: [a] })),
    ports: [{ name: 'p80', port: 80, protocol: 'TCP' }],
  };
}

const NODE_IP = parseIp4('192.168.0.2');
const GW = parseIp4('192.168.0.1');

/** One node namespace with eth0 and a default route out of the model, kube-proxy in `mode` synced over `svcs`. */
function buildNode(mode: ProxyMode, svcs: readonly Service[], slices: readonly EndpointSlice[], rendered: (ms: number) => void): { net: Network } {
  const net = new Network();
  const ns = net.addNetns('node/bench', { kind: 'node', node: 'bench' }, { sysctl: { ipForward: true, bridgeNfCallIptables: true, routeLocalnet: false } });
  net.addUplink(ns, 'eth0', net.segment('uplink'), { ip: NODE_IP, prefix: 24 });
  net.gateways.add('uplink', GW);
  ns.addRoute({ dst: new Cidr4(ip4(0), 0), type: 'unicast', gateway: GW, dev: 'eth0', proto: 'static', scope: 'global' });
  const cfg: ProxierConfig = { nodeName: 'bench', nodeIPs: [NODE_IP], clusterCIDR: Cidr4.parse('10.0.0.0/8') };
  const feed = (p: { onServiceAdd(s: Service): void; onEndpointSliceAdd(e: EndpointSlice): void }): void => {
    for (const s of svcs) p.onServiceAdd(s);
    for (const e of slices) p.onEndpointSliceAdd(e);
  };
  const nf = new Netfilter(ns.name);
  const handlers: { hook: Hook; handler: HookHandler }[] = [];
  switch (mode) {
    case 'iptables': {
      const p = new IptablesProxier(cfg);
      feed(p);
      let text = '';
      rendered(cpuMs(() => (text = p.sync().restore)));
      // IptablesProxier.nodeView() re-parses the dump and is quadratic at this size; the ensured
      // jumps are added here the same way (EnsureRule prepend).
      const jumps: BuiltinJump[] = ENSURED_JUMPS.filter((j) => j.table !== 'mangle').map((j) => ({ table: j.table === 'nat' ? 'nat' : 'filter', from: j.srcChain, args: ensuredJumpText(j, '-A').slice(`-A ${j.srcChain} `.length), position: 'prepend' }));
      nf.iptablesRestore(nodeViewWithJumps(text, jumps), { noflush: true });
      break;
    }
    case 'ipvs': {
      const p = new IpvsProxier(cfg);
      feed(p);
      let r: ReturnType<IpvsProxier['sync']> | undefined;
      rendered(cpuMs(() => (r = p.sync())));
      if (r === undefined) throw new Error('no sync');
      nf.ipsetRestore(r.ipset);
      nf.iptablesRestore(p.nodeView(), { noflush: true });
      const ipvs = new Ipvs(ns.name);
      ipvs.replace(r.virtualServices);
      ns.addLink({ kind: 'dummy', name: 'kube-ipvs0', ifindex: ns.allocIfindex(), mac: macFromName('bench/kube-ipvs0') as Mac, mtu: 1500, up: false, addrs: [], master: undefined, hairpin: false });
      for (const a of r.dummyAddresses) ns.addAddr('kube-ipvs0', { ip: parseIp4(a), prefix: 32 }, { noPrefixRoute: true });
      handlers.push(...ipvs.registrations());
      break;
    }
    case 'userspace': {
      const p = new UserspaceProxier(cfg);
      feed(p);
      let r: ReturnType<UserspaceProxier['sync']> | undefined;
      rendered(cpuMs(() => (r = p.sync())));
      if (r === undefined) throw new Error('no sync');
      nf.iptablesRestore(p.nodeView(), { noflush: true });
      const s = new UserspaceSockets(ns.name);
      s.replace(r.sockets);
      handlers.push(s.registration());
      break;
    }
    case 'nftables': {
      const p = new NftablesProxier(cfg);
      feed(p);
      let r: ReturnType<NftablesProxier['sync']> | undefined;
      rendered(cpuMs(() => (r = p.sync())));
      if (r === undefined) throw new Error('no sync');
      const nft = new Nftables(ns.name);
      nft.load([r.table]);
      handlers.push(...nft.registrations());
      break;
    }
  }
  for (const { hook, handler } of [...handlers, ...nf.registrations()]) ns.registerHook(hook, handler);
  return { net };
}

function cpuMs(fn: () => void): number {
  const c0 = process.cpuUsage();
  fn();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
}
