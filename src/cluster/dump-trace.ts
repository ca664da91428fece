import { Cidr4, type Ip4, type IpProto, type Mac, ip4, macFromName, parseIp4, parsePort } from '../addr/index.js';
import { type ConnectionResult, Tracer, type TraceResult, traceConnection } from '../datapath/index.js';
import { InputError } from '../lib/index.js';
import { type Hook, type HookHandler, Ipvs, Netfilter, Network, Nftables, parseIpvsadmList, parseIpvsadmSave } from '../net/index.js';
import { makePacket } from '../packet/index.js';

export interface DumpTraceRequest {
  /** The `iptables-save` text of a real node. */
  readonly dump: string;
  readonly dumpFile: string;
  readonly from: string;
  readonly to: string;
  readonly proto?: IpProto;
  /** The interface the packet arrives on (default eth0); ignored when `from` is one of the node's IPs. */
  readonly inIface?: string;
  /** The node's own addresses: `-m addrtype --dst-type LOCAL` and MASQUERADE need them. */
  readonly nodeIps?: readonly string[];
  readonly sport?: number;
  readonly connection?: boolean;
  /** IPVS mode: `ipvsadm -S -n` or `ipvsadm -Ln` output of the node; its virtual addresses are bound to kube-ipvs0. */
  readonly ipvsadm?: string;
  readonly ipvsadmFile?: string;
  /** IPVS mode: `ipset save` output (load it before rules that use `-m set`). */
  readonly ipset?: string;
  readonly ipsetFile?: string;
  /** nftables mode: `nft list ruleset` output. */
  readonly nft?: string;
  readonly nftFile?: string;
}

/** Where forwarded packets leave the modelled node: a gateway nothing answers for. */
const EXIT_GW = ip4(0xa9fe0001); // 169.254.0.1

/**
 * Traces a packet through an `iptables-save` dump taken from a real node. The node is modelled
 * as one namespace: its addresses on eth0 (or the given `--node-ip`s), the arrival interface,
 * and a default route out of the model, so the trace shows every rule that fires, each NAT, and
 * the packet as it leaves (or is delivered locally, or dropped).
 */
export function traceIptablesSave(req: DumpTraceRequest): TraceResult | ConnectionResult {
  const net = new Network();
  const ns = net.addNetns('node/dump', { kind: 'node', node: 'dump' }, { sysctl: { ipForward: true, bridgeNfCallIptables: true, routeLocalnet: true } });
  const nodeIps = (req.nodeIps ?? []).map((t) => parseIp4(t, '--node-ip'));
  const out = net.segment('uplink');
  const first = nodeIps[0];
  net.addUplink(ns, 'eth0', out, { ip: first ?? ip4(0xa9fe0002), prefix: 30 });
  for (const ip of nodeIps.slice(1)) ns.addAddr('eth0', { ip, prefix: 32 });
  net.gateways.add('uplink', EXIT_GW);
  ns.addRoute({ dst: new Cidr4(ip4(0), 0), type: 'unicast', gateway: EXIT_GW, dev: 'eth0', onlink: true, proto: 'static', scope: 'global' });
  const inIface = req.inIface ?? 'eth0';
  if (ns.link(inIface) === undefined) net.addUplink(ns, inIface, net.segment(`in-${inIface}`), { ip: ip4(0xa9fe0005), prefix: 30 });

  const nf = new Netfilter(ns.name);
  const named = <T>(file: string, f: () => T): T => {
    try {
      return f();
    } catch (e) {
      if (e instanceof InputError && e.where === undefined) throw new InputError(e.code, e.message, { where: file, cause: e });
      throw e;
    }
  };
  if (req.ipset !== undefined) named(req.ipsetFile ?? 'ipset save', () => nf.ipsetRestore(req.ipset ?? ''));
  named(req.dumpFile, () => nf.iptablesRestore(req.dump));
  const handlers: { hook: Hook; handler: HookHandler }[] = [];
  if (req.nft !== undefined) {
    const nft = new Nftables(ns.name);
    named(req.nftFile ?? 'nft list ruleset', () => nft.loadText(req.nft ?? '', req.nftFile));
    handlers.push(...nft.registrations());
  }
  handlers.push(...nf.registrations());
  if (req.ipvsadm !== undefined) {
    const file = req.ipvsadmFile ?? 'ipvsadm';
    const text = req.ipvsadm;
    const services = named(file, () => (text.trimStart().startsWith('IP Virtual Server') ? parseIpvsadmList(text, file) : parseIpvsadmSave(text, file)));
    const ipvs = new Ipvs(ns.name);
    ipvs.replace(services);
    // kube-proxy binds every virtual address that is not a node address to kube-ipvs0.
    ns.addLink({ kind: 'dummy', name: 'kube-ipvs0', ifindex: ns.allocIfindex(), mac: macFromName('dump/kube-ipvs0') as Mac, mtu: 1500, up: false, addrs: [], master: undefined, hairpin: false });
    for (const a of new Set(services.map((v) => v.vs.address))) if (!ns.isLocal(a)) ns.addAddr('kube-ipvs0', { ip: a, prefix: 32 }, { noPrefixRoute: true });
    handlers.push(...ipvs.registrations());
  }
  for (const { hook, handler } of handlers) ns.registerHook(hook, handler);

  const src = parseIp4(req.from, '--from');
  const m = /^([^:]+)(?::(\d+))?$/.exec(req.to.trim());
  if (m?.[1] === undefined) throw new InputError('KW_TRACE_ENDPOINT', `--to "${req.to}": expected <ip>[:<port>]`);
  const dst = parseIp4(m[1], '--to');
  const proto = req.proto ?? 'tcp';
  if (proto !== 'icmp' && m[2] === undefined) throw new InputError('KW_TRACE_ENDPOINT', `--to "${req.to}": a port is needed for ${proto}`);
  const packet = makePacket({ src, dst, proto, sport: req.sport ?? 40000, dport: m[2] === undefined ? 0 : parsePort(m[2], '--to') });
  const tracer = new Tracer(net);
  // A source that is the node's own address is sent by the node (OUTPUT), unless an arrival interface is named.
  const local = req.inIface === undefined && (nodeIps.includes(src as Ip4) || src >>> 24 === 127);
  const trace = { from: ns.name, packet, ...(local ? {} : { inDev: inIface }) };
  return req.connection === true ? traceConnection(tracer, trace) : tracer.trace(trace);
}
