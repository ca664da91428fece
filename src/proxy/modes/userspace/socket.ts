import { type Ip4, ip4ToString, parseIp4 } from '../../../addr/index.js';
import { Fraction } from '../../../lib/index.js';
import type { Hook, HookBranch, HookHandler, HookHop, HookVerdict, HostView, PathState, Skb } from '../../../net/index.js';
import type { Packet } from '../../../packet/index.js';
import { SocketTable } from './socket-table.js';

/** What the proxy socket of one service port knows (userspace ServiceInfo + LoadBalancerRR state). */
export interface ProxySocket {
  readonly proxyPort: number;
  /** `tcp` | `udp` (userspace mode never supported SCTP). */
  readonly proto: 'tcp' | 'udp';
  readonly name: string;
  /** `ip:port` of every ready endpoint, as LoadBalancerRR holds them. */
  readonly endpoints: readonly string[];
  /** sessionAffinity ClientIP: stickyMaxAgeSeconds, else 0. */
  readonly affinitySeconds: number;
}

/** Priority of the socket stand-in: after every INPUT hook (filter 0, nat 100), as local delivery follows NF_INET_LOCAL_IN. */
export const SOCKET_PRIORITY = 2147483646;

/**
 * kube-proxy's userspace proxy sockets on one node, as a hook handler at the end of INPUT: a
 * packet for one of the proxy ports is accepted by kube-proxy, which opens a *new* connection to
 * the backend it picks (proxysocket.go). The second leg is sent by the node, so routing picks its
 * source address: the backend never sees the client. Affinity entries travel in the path state.
 */
/** A socket as the packet path reads it: texts, endpoints and shares prepared once per sync. */
interface Prepared {
  readonly s: ProxySocket;
  /**
   * The socket's fields the packet path reads, copied beside the rest: at 10,000 Services every
   * object a first packet reaches is a cache miss, and the socket and its endpoint list were two more.
   */
  readonly name: string;
  readonly affinitySeconds: number;
  readonly sock: string;
  /** The endpoints' `ip:port` texts (a hop keeps one; printed only when read). */
  readonly eps: readonly string[];
  /** Per endpoint its address and port, flat (one array of numbers, not an object per endpoint to reach). */
  readonly addrs: readonly number[];
  /** 1/n each, with why: LoadBalancerRR's position is unknown to a trace. */
  readonly share: Fraction;
  readonly why: string;
}

function prepare(s: ProxySocket): Prepared {
  const n = s.endpoints.length;
  return {
    s,
    name: s.name,
    affinitySeconds: s.affinitySeconds,
    sock: `kube-proxy (userspace) socket 0.0.0.0:${s.proxyPort}/${s.proto} for ${s.name}`,
    eps: s.endpoints,
    addrs: s.endpoints.flatMap((ep) => {
      const [ipText, portText] = ep.split(':');
      return [parseIp4(ipText ?? ''), Number(portText)];
    }),
    share: shareOf(n),
    why: whyOf(n),
  };
}

/** 1/n, one object per n (a fraction is a value): the packet path reads it without reaching the socket. */
const shares: Fraction[] = [];
function shareOf(n: number): Fraction {
  return (shares[n] ??= n === 0 ? Fraction.ONE : Fraction.of(1, n));
}

/** The round-robin explanation for n endpoints, one string per n (see shareOf). */
const whys: string[] = [];
function whyOf(n: number): string {
  return (whys[n] ??= `LoadBalancerRR: endpoints shuffled on every update, then round-robin; the position is unknown, so each of ${n} with 1/${n}`);
}

/** (protocol, proxy port) as one number. */
const portKey = (proto: 'tcp' | 'udp', port: number): number => (proto === 'tcp' ? 0 : 65536) + port;

/**
 * A hop whose text is formatted only when read. It holds the sync's socket list and the socket's and endpoint's
 * positions, not the texts: reading them on the packet path was two more cache misses per branch.
 */
class ProxyHop implements HookHop {
  readonly step = 'userspace-proxy';
  constructor(
    private readonly preps: readonly Prepared[],
    private readonly j: number,
    private readonly i: number,
    private readonly why: string,
  ) {}
  get detail(): string {
    const prep = this.preps[this.j];
    return `${prep?.sock ?? ''}: backend ${prep?.eps[this.i] ?? ''}; ${this.why}`;
  }
}

/** The socket's hand-over to its new connection; the texts are read only when printed (most traces never print them). */
class ProxyVerdict {
  readonly kind = 'proxy';
  private text: string | undefined;
  constructor(
    private readonly preps: readonly Prepared[],
    private readonly j: number,
    private readonly accepted: Packet,
    readonly packet: Packet,
  ) {}
  get socket(): string {
    return this.preps[this.j]?.sock ?? '';
  }
  get reason(): string {
    const p = this.accepted;
    return (this.text ??= `${this.socket} accepted ${ip4ToString(p.src)}:${p.sport} → ${ip4ToString(p.dst)}:${p.dport}`);
  }
}

/**
 * kube-proxy's userspace proxy sockets on one node, as a hook handler at the end of INPUT: a
 * packet for one of the proxy ports is accepted by kube-proxy, which opens a *new* connection to
 * the backend it picks (proxysocket.go). The second leg is sent by the node, so routing picks its
 * source address: the backend never sees the client. Affinity entries travel in the path state.
 */
export class UserspaceSockets {
  private byPort = new Map<number, Prepared>();
  /** byPort's sockets in its order, and the numbers a first packet reads of them (see SocketTable). */
  private preps: readonly Prepared[] = [];
  private table = new SocketTable([], () => undefined);
  readonly stateKey: string;

  constructor(readonly netns: string) {
    this.stateKey = `userspace/${netns}`;
  }

  replace(sockets: readonly ProxySocket[]): void {
    this.byPort = new Map(sockets.map((s) => [portKey(s.proto, s.proxyPort), prepare(s)]));
    const preps = [...this.byPort.values()];
    this.preps = preps;
    // No endpoints and ClientIP affinity are answered from the socket itself (-1 in the table).
    this.table = new SocketTable([...this.byPort.keys()], (i) => {
      const prep = preps[i];
      return prep === undefined || prep.eps.length === 0 || prep.affinitySeconds > 0 ? undefined : prep.addrs;
    });
  }

  list(): readonly ProxySocket[] {
    return [...this.byPort.values()].map((x) => x.s);
  }

  private affinity(skb: Skb): ReadonlyMap<string, string> {
    const a = skb.pathState?.get(this.stateKey);
    return a instanceof Map ? (a as ReadonlyMap<string, string>) : EMPTY;
  }

  process(_hook: Hook, skb: Skb, host: HostView): readonly HookBranch[] {
    const p = skb.packet;
    if ((p.proto !== 'tcp' && p.proto !== 'udp') || skb.ct.reply) return [accept(skb)];
    const at = this.table.find(portKey(p.proto, p.dport));
    if (at < 0) return [accept(skb)];
    const data = this.table.data;
    const j = data[at] ?? 0;
    const n = data[at + 1] ?? -1;
    const preps = this.preps;
    if (n >= 0) {
      // Round-robin over n endpoints: every branch from the table's integers, the socket object never read.
      const share = shareOf(n);
      const why = whyOf(n);
      const out: HookBranch[] = [];
      for (let i = 0; i < n; i++) out.push(this.dial(preps, j, i, (data[at + 2 + 2 * i] ?? 0) >>> 0, data[at + 3 + 2 * i] ?? 0, share, why, skb, host, undefined));
      return out;
    }
    const prep = preps[j];
    if (prep === undefined) return [accept(skb)];
    const sock = prep.sock;
    const eps = prep.eps;
    if (eps.length === 0) {
      return [{
        probability: Fraction.ONE,
        verdict: { kind: 'reject', reason: `${sock} accepted the connection but ${prep.name} has no endpoints: the proxy closes it`, with: p.proto === 'tcp' ? 'tcp-reset' : 'icmp-port-unreachable' },
        skb,
        hops: [{ step: 'userspace-proxy', detail: `${sock}: no endpoints (LoadBalancerRR: "missing service entry")` }],
      }];
    }
    const affinity = prep.affinitySeconds;
    if (affinity > 0) {
      const client = ip4ToString(p.src);
      const key = `${prep.name}/${client}`;
      const sticky = this.affinity(skb).get(key);
      const pinned = sticky === undefined ? -1 : eps.indexOf(sticky);
      if (pinned >= 0) return [this.pick(preps, j, pinned, Fraction.ONE, `ClientIP affinity: ${client} is pinned to ${sticky ?? ''} (${affinity} s)`, skb, host, key)];
      return eps.map((_, i) => this.pick(preps, j, i, prep.share, prep.why, skb, host, key));
    }
    const out: HookBranch[] = [];
    for (let i = 0; i < eps.length; i++) out.push(this.pick(preps, j, i, prep.share, prep.why, skb, host, undefined));
    return out;
  }

  /** The branch where the proxy dials endpoint `i` of socket `j`; `affinityKey`: remember the pick for the client (ClientIP affinity). */
  private pick(preps: readonly Prepared[], j: number, i: number, prob: Fraction, why: string, skb: Skb, host: HostView, affinityKey: string | undefined): HookBranch {
    const prep = preps[j];
    return this.dial(preps, j, i, prep?.addrs[2 * i] ?? 0, prep?.addrs[2 * i + 1] ?? 0, prob, why, skb, host, affinityKey);
  }

  /** The branch where the proxy dials endpoint `i` (address `addr`, port `port`) of socket `j`. */
  private dial(preps: readonly Prepared[], j: number, i: number, addr: number, port: number, prob: Fraction, why: string, skb: Skb, host: HostView, affinityKey: string | undefined): HookBranch {
    const p = skb.packet;
    const ip = addr as Ip4;
    const src = host.sourceAddressFor(ip) ?? p.dst;
    // The kernel picks an ephemeral source port for kube-proxy's dial; derived from the client's flow here.
    const sport = 32768 + ((p.src ^ (p.sport * 2654435761)) >>> 0) % 28232;
    // The dialled connection's first packet, in makePacket's key order (a spread is V8's slow clone path).
    const np: Packet = { src, dst: ip, proto: p.proto, sport, dport: port, ttl: 64, icmp: p.icmp, inner: p.inner };
    let next: Skb = skb;
    if (affinityKey !== undefined) {
      const m = new Map(this.affinity(skb));
      m.set(affinityKey, preps[j]?.eps[i] ?? '');
      const ps: Map<string, unknown> = new Map(skb.pathState ?? []);
      ps.set(this.stateKey, m);
      next = { ...skb, pathState: ps as PathState };
    }
    return { probability: prob, verdict: new ProxyVerdict(preps, j, p, np), skb: next, hops: [new ProxyHop(preps, j, i, why)] };
  }

  registration(): { hook: Hook; handler: HookHandler } {
    return { hook: 'INPUT', handler: { name: 'kube-proxy-userspace', priority: SOCKET_PRIORITY, process: (h, skb, host) => this.process(h, skb, host) } };
  }
}

const EMPTY: ReadonlyMap<string, string> = new Map();
const ACCEPT: HookVerdict = Object.freeze({ kind: 'accept' });
const NO_HOPS: readonly HookHop[] = Object.freeze([]);
/** A packet the sockets do not take: one shared verdict and hop list (most packets at INPUT are not for a proxy port). */
const accept = (skb: Skb): HookBranch => ({ probability: Fraction.ONE, verdict: ACCEPT, skb, hops: NO_HOPS });
