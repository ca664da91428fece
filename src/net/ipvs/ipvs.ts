import { type Ip4, ip4ToString } from '../../addr/index.js';
import { Fraction, InputError } from '../../lib/index.js';
import { type Packet, withDst } from '../../packet/index.js';
import { skbWith } from '../netfilter/skb.js';
import { LazyNatFlows } from '../nat-flows.js';
import { IntKeyMap } from '../int-key-map.js';
import type { Hook, HookBranch, HookHandler, HookHop, HostView, PathState, Skb } from '../hooks.js';
import { packetFreeChoices, type SchedulerChoice, schedule } from './schedulers.js';
import type { IpvsProtocol, RealServer, VirtualServer, VirtualService } from './types.js';

/** Where IPVS hooks in (net/netfilter/ipvs/ip_vs_core.c ip_vs_ops4): NF_IP_PRI_NAT_SRC - 2 and NF_IP_PRI_NAT_DST + 2. */
export const IPVS_PRIORITY = { localIn: 98, localOut: -98 } as const;

export interface IpvsRegistration {
  readonly hook: Hook;
  readonly handler: HookHandler;
}

/** Persistence templates of one namespace on one path: template key → `ip:port` of the server. */
type Templates = ReadonlyMap<string, string>;

function protoOf(p: Packet): IpvsProtocol | undefined {
  return p.proto === 'tcp' ? 'TCP' : p.proto === 'udp' ? 'UDP' : p.proto === 'sctp' ? 'SCTP' : undefined;
}

export function vsText(vs: VirtualServer): string {
  return `${vs.protocol} ${ip4ToString(vs.address)}:${vs.port}`;
}

export function destText(d: RealServer): string {
  return `${ip4ToString(d.address)}:${d.port}`;
}

/** A virtual service as the packet path reads it: its choices, when they do not depend on the packet, computed once. */
interface Entry {
  readonly svc: VirtualService;
  /** svc.vs, read here: at 10,000 Services every object a first packet reaches is a cache miss, the service one more. */
  readonly vs: VirtualServer;
  /** vs.persistent, read here for the same reason. */
  readonly persistent: VirtualServer['persistent'];
  /** undefined until first needed; null for a scheduler that reads the packet (sh, dh, mh). */
  fixed: readonly FixedChoice[] | null | undefined;
  /** The reroute verdict per real server, shared by every packet (verdicts are immutable). */
  readonly verdicts: Map<RealServer, HookBranch['verdict']>;
}

/**
 * A choice of a scheduler that does not read the packet, with its verdict (looked up once, not per packet). Built
 * field by field: a spread copy (`{ ...c, verdict }`) made objects whose fields every packet read several times slower.
 */
interface FixedChoice extends SchedulerChoice {
  readonly verdict: HookBranch['verdict'];
  /**
   * dest.address, dest.port and dest.forward, copied here: at 10,000 Services every real server a first packet
   * reaches is a cache miss, and the choice (already loaded for its probability) can answer for it.
   */
  readonly address: Ip4;
  readonly port: number;
  readonly forward: RealServer['forward'];
}

/** The protocol's index in keys, by a switch (a record lookup by several names is a megamorphic keyed load). */
function protoIndex(protocol: IpvsProtocol): number {
  return protocol === 'TCP' ? 0 : protocol === 'UDP' ? 1 : 2;
}

/** (protocol, address, port) as one number: the kernel hashes the same triple (ip_vs_svc_hashkey). */
function numKey(protocol: IpvsProtocol, address: Ip4, port: number): number {
  return (protoIndex(protocol) * 4294967296 + address) * 65536 + port;
}

/** The hop of a scheduled first packet; its text is formatted only when read. */
class IpvsHop implements HookHop {
  readonly step = 'ipvs';
  readonly nat?: NonNullable<HookHop['nat']>;
  private d: string | undefined;
  constructor(
    private readonly vs: VirtualServer,
    private readonly dest: RealServer,
    private readonly why: string,
    private readonly where: string,
    private readonly note: string,
    nat: LazyNatFlows | undefined,
  ) {
    if (nat !== undefined) this.nat = nat;
  }
  get detail(): string {
    return (this.d ??= `${hopBase(this.vs, this.dest, this.why, this.where)}${this.note}`);
  }
}

function hopBase(vs: VirtualServer, d: RealServer, why: string, where: string): string {
  return `IPVS ${vsText(vs)} ${vs.scheduler}${vs.persistent === undefined ? '' : ` persistent ${vs.persistent.timeout}`} at ${where}: → ${destText(d)} ${d.forward} weight ${d.weight}; ${why}`;
}

const WHERE_IN = 'LOCAL_IN (ip_vs_remote_request4)';
const WHERE_OUT = 'LOCAL_OUT (ip_vs_local_request4)';

/**
 * The IPVS table of one network namespace (what `ipvsadm` edits) and its packet handling: a
 * first packet to a virtual server at LOCAL_IN or LOCAL_OUT is scheduled to a real server,
 * DNATed (Masq forwarding) and transmitted by IPVS itself (ip_vs_nat_xmit: routed again, then
 * POSTROUTING). Persistence templates (sessionAffinity ClientIP) travel in the path state.
 */
export class Ipvs {
  /** Every virtual service by numKey, in insertion order (ipvsadm lists them so). */
  private services = new Map<number, Entry>();
  /**
   * The same entries for the packet path, by numKey in an IntKeyMap (a 50-bit key: a Map keyed by it boxes and hashes
   * a heap number and follows a bucket chain on every packet), made when a packet first needs it after a change.
   */
  private byKey: IntKeyMap<Entry> | undefined;
  readonly stateKey: string;

  constructor(readonly netns: string) {
    this.stateKey = `ipvs/${netns}`;
  }

  /** Virtual services in insertion order. */
  list(): readonly VirtualService[] {
    return [...this.services.values()].map((e) => e.svc);
  }

  get(protocol: IpvsProtocol, address: Ip4, port: number): VirtualService | undefined {
    return this.services.get(numKey(protocol, address, port))?.svc;
  }

  private put(svc: VirtualService): void {
    const e: Entry = { svc, vs: svc.vs, persistent: svc.vs.persistent, fixed: undefined, verdicts: new Map() };
    this.services.set(numKey(svc.vs.protocol, svc.vs.address, svc.vs.port), e);
    this.byKey = undefined;
  }

  private packetIndex(): IntKeyMap<Entry> {
    if (this.byKey === undefined) this.byKey = new IntKeyMap(this.services, this.services.size);
    return this.byKey;
  }

  /** ipvsadm -A / -E: adds or replaces a virtual server, keeping its destinations. */
  addVirtualServer(vs: VirtualServer): void {
    this.put({ vs, dests: this.get(vs.protocol, vs.address, vs.port)?.dests ?? [] });
  }

  deleteVirtualServer(vs: Pick<VirtualServer, 'protocol' | 'address' | 'port'>): boolean {
    this.byKey = undefined;
    return this.services.delete(numKey(vs.protocol, vs.address, vs.port));
  }

  /** ipvsadm -a / -e: adds or replaces a destination of an existing virtual server; throws KW_IPVS_NO_SERVICE otherwise. */
  addRealServer(vs: Pick<VirtualServer, 'protocol' | 'address' | 'port'>, rs: RealServer): void {
    const svc = this.get(vs.protocol, vs.address, vs.port);
    if (svc === undefined) throw new InputError('KW_IPVS_NO_SERVICE', `no virtual service ${vs.protocol} ${ip4ToString(vs.address)}:${vs.port} to add ${destText(rs)} to`);
    const i = svc.dests.findIndex((d) => d.address === rs.address && d.port === rs.port);
    const dests = i < 0 ? [...svc.dests, rs] : svc.dests.map((d, j) => (j === i ? rs : d));
    this.put({ vs: svc.vs, dests });
  }

  /** ipvsadm -C. */
  clear(): void {
    this.services = new Map();
    this.byKey = undefined;
  }

  /** Replaces the whole table at once (a restore or a proxier sync, all-or-nothing). */
  replace(services: readonly VirtualService[]): void {
    this.services = new Map();
    this.byKey = undefined;
    for (const s of services) this.put(s);
  }

  private templates(skb: Skb): Templates {
    const t = skb.pathState?.get(this.stateKey);
    return t instanceof Map ? (t as Templates) : EMPTY;
  }

  private withTemplates(skb: Skb, t: Templates): PathState {
    const m = new Map(skb.pathState ?? []);
    m.set(this.stateKey, t);
    return m;
  }

  /** ip_vs_in: schedule and DNAT a first packet to a virtual server; anything else passes. */
  process(hook: Hook, skb: Skb, _host: HostView): readonly HookBranch[] {
    const p = skb.packet;
    const proto = protoOf(p);
    if (proto === undefined || skb.ct.reply || skb.ct.state !== 'NEW') return ACCEPT(skb);
    const entry = this.packetIndex().get(numKey(proto, p.dst, p.dport));
    if (entry === undefined) return ACCEPT(skb);
    const svc = entry.svc;
    const where = hook === 'INPUT' ? WHERE_IN : WHERE_OUT;
    const vs = entry.vs;
    const persist = entry.persistent;
    const tkey = persist === undefined ? '' : `${proto}/${(p.src & persist.netmask) >>> 0}/${p.dst}/${p.dport}`;
    if (persist !== undefined) {
      const pinned = this.templates(skb).get(tkey);
      const d = pinned === undefined ? undefined : svc.dests.find((x) => destText(x) === pinned && x.weight > 0);
      if (d !== undefined) return [this.forward(entry, skb, d, d.address, d.port, d.forward, Fraction.ONE, `persistence template ${ip4ToString(p.src)} → ${pinned} (timeout ${persist.timeout} s)`, where, undefined, verdictFor(entry, d))];
    }
    if (entry.fixed === undefined) entry.fixed = packetFreeChoices(svc)?.map((c) => fixedChoice(entry, c)) ?? null;
    const fixed = entry.fixed;
    const choices = fixed ?? schedule(svc, p);
    if (choices.length === 0) {
      return [{
        probability: Fraction.ONE,
        verdict: { kind: 'reject', reason: `IPVS ${vsText(vs)} at ${where} has no available real server: ip_vs_leave sends ICMP port unreachable and drops the packet`, with: 'icmp-port-unreachable' },
        skb,
        hops: [{ step: 'ipvs', detail: `${vsText(vs)} ${vs.scheduler}: no real server with weight > 0` }],
      }];
    }
    const out: HookBranch[] = [];
    const template = persist === undefined ? undefined : tkey;
    if (fixed !== null) for (const c of fixed) out.push(this.forward(entry, skb, c.dest, c.address, c.port, c.forward, c.probability, c.explanation, where, template, c.verdict));
    else for (const c of choices) out.push(this.forward(entry, skb, c.dest, c.dest.address, c.dest.port, c.dest.forward, c.probability, c.explanation, where, template, verdictFor(entry, c.dest)));
    return out;
  }

  /**
   * The branch to real server `d`; `verdict`: verdictFor(entry, d), which a fixed choice keeps. `address`, `port` and
   * `method`: d's own, passed by the caller so that a fixed choice's copies spare a read of `d` (a cache miss).
   */
  private forward(entry: Entry, skb: Skb, d: RealServer, address: Ip4, port: number, method: RealServer['forward'], probability: Fraction, why: string, where: string, newTemplate: string | undefined, verdict: HookBranch['verdict']): HookBranch {
    const p = skb.packet;
    const vs = entry.vs;
    if (method !== 'Masq' && method !== 'Local') {
      return { probability, verdict: { kind: 'drop', reason: `IPVS forwarding method ${method} (to ${destText(d)}) is not modelled: only Masq (NAT), which kube-proxy uses` }, skb, hops: [new IpvsHop(vs, d, why, where, '', undefined)] };
    }
    const np: Packet = withDst(p, address, port);
    let next: Skb = skbWith(skb, np, skb.mark, skb.ct, skb.pathState);
    if (newTemplate !== undefined) {
      const t = new Map(this.templates(skb));
      t.set(newTemplate, destText(d));
      next = skbWith(next, np, next.mark, next.ct, this.withTemplates(skb, t));
    }
    const note = newTemplate === undefined ? '' : `; persistence template created for ${ip4ToString(p.src)}`;
    return { probability, verdict, skb: next, hops: [new IpvsHop(vs, d, why, where, note, new LazyNatFlows('dnat', p, np))] };
  }

  /** The two handlers to register with Netns.registerHook. */
  registrations(): IpvsRegistration[] {
    const process: HookHandler['process'] = (hook, skb, host) => this.process(hook, skb, host);
    return [
      { hook: 'INPUT', handler: { name: 'ipvs', priority: IPVS_PRIORITY.localIn, process } },
      { hook: 'OUTPUT', handler: { name: 'ipvs', priority: IPVS_PRIORITY.localOut, process } },
    ];
  }
}

/** A packet-free choice with its verdict and its destination's fields, built field by field (see FixedChoice). */
function fixedChoice(entry: Entry, c: SchedulerChoice): FixedChoice {
  const d = c.dest;
  return { dest: d, probability: c.probability, explanation: c.explanation, verdict: verdictFor(entry, d), address: d.address, port: d.port, forward: d.forward };
}

/**
 * A packet to `d` that IPVS took over: routed again after the DNAT (ip_vs_nat_xmit), or delivered locally. Made once
 * per real server; a forwarding method that is not modelled drops the packet instead (forward checks it first).
 */
function verdictFor(entry: Entry, d: RealServer): HookBranch['verdict'] {
  let verdict = entry.verdicts.get(d);
  if (verdict === undefined) {
    verdict = { kind: 'reroute', reason: `IPVS ${d.forward === 'Masq' ? 'ip_vs_nat_xmit' : 'local delivery'} after DNAT to ${destText(d)}` };
    entry.verdicts.set(d, verdict);
  }
  return verdict;
}

const EMPTY: Templates = new Map();
const ACCEPT = (skb: Skb): HookBranch[] => [{ probability: Fraction.ONE, verdict: { kind: 'accept' }, skb, hops: [] }];
