import { type Ip4, ip4ToString, parseIp4 } from '../../../addr/index.js';
import { Fraction } from '../../../lib/index.js';
import type { Hook, HookBranch, HookHandler, HookHop, HostView, PathState, Skb } from '../../../net/index.js';
import type { Packet } from '../../../packet/index.js';

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
  readonly sock: string;
  readonly endpoints: readonly { readonly ep: string; readonly ip: Ip4; readonly port: number }[];
  /** 1/n each, with why: LoadBalancerRR's position is unknown to a trace. */
  readonly share: Fraction;
  readonly why: string;
}

function prepare(s: ProxySocket): Prepared {
  const n = s.endpoints.length;
  return {
    s,
    sock: `kube-proxy (userspace) socket 0.0.0.0:${s.proxyPort}/${s.proto} for ${s.name}`,
    endpoints: s.endpoints.map((ep) => {
      const [ipText, portText] = ep.split(':');
      return { ep, ip: parseIp4(ipText ?? ''), port: Number(portText) };
    }),
    share: n === 0 ? Fraction.ONE : Fraction.of(1, n),
    why: `LoadBalancerRR: endpoints shuffled on every update, then round-robin; the position is unknown, so each of ${n} with 1/${n}`,
  };
}

/** (protocol, proxy port) as one number. */
const portKey = (proto: 'tcp' | 'udp', port: number): number => (proto === 'tcp' ? 0 : 65536) + port;

/** A hop whose text is formatted only when read. */
class ProxyHop implements HookHop {
  readonly step = 'userspace-proxy';
  constructor(
    private readonly sock: string,
    private readonly ep: string,
    private readonly why: string,
  ) {}
  get detail(): string {
    return `${this.sock}: backend ${this.ep}; ${this.why}`;
  }
}

/** The socket's hand-over to its new connection; the reason is formatted only when read (most traces never print it). */
class ProxyVerdict {
  readonly kind = 'proxy';
  private text: string | undefined;
  constructor(
    readonly socket: string,
    private readonly accepted: Packet,
    readonly packet: Packet,
  ) {}
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
  readonly stateKey: string;

  constructor(readonly netns: string) {
    this.stateKey = `userspace/${netns}`;
  }

  replace(sockets: readonly ProxySocket[]): void {
    this.byPort = new Map(sockets.map((s) => [portKey(s.proto, s.proxyPort), prepare(s)]));
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
    const prep = this.byPort.get(portKey(p.proto, p.dport));
    if (prep === undefined) return [accept(skb)];
    const s = prep.s;
    const sock = prep.sock;
    if (s.endpoints.length === 0) {
      return [{
        probability: Fraction.ONE,
        verdict: { kind: 'reject', reason: `${sock} accepted the connection but ${s.name} has no endpoints: the proxy closes it`, with: p.proto === 'tcp' ? 'tcp-reset' : 'icmp-port-unreachable' },
        skb,
        hops: [{ step: 'userspace-proxy', detail: `${sock}: no endpoints (LoadBalancerRR: "missing service entry")` }],
      }];
    }
    const client = s.affinitySeconds > 0 ? ip4ToString(p.src) : '';
    const key = s.affinitySeconds > 0 ? `${s.name}/${client}` : '';
    const sticky = s.affinitySeconds > 0 ? this.affinity(skb).get(key) : undefined;
    const pinned = sticky === undefined ? undefined : prep.endpoints.find((e) => e.ep === sticky);
    // The kernel picks an ephemeral source port for kube-proxy's dial; derived from the client's flow here.
    const sport = 32768 + ((p.src ^ (p.sport * 2654435761)) >>> 0) % 28232;
    const pick = (e: Prepared['endpoints'][number], prob: Fraction, why: string): HookBranch => {
      const src = host.sourceAddressFor(e.ip) ?? p.dst;
      // The dialled connection's first packet, in makePacket's key order (a spread is V8's slow clone path).
      const np: Packet = { src, dst: e.ip, proto: p.proto, sport, dport: e.port, ttl: 64, icmp: p.icmp, inner: p.inner };
      let next: Skb = skb;
      if (s.affinitySeconds > 0) {
        const m = new Map(this.affinity(skb));
        m.set(key, e.ep);
        const ps: Map<string, unknown> = new Map(skb.pathState ?? []);
        ps.set(this.stateKey, m);
        next = { ...skb, pathState: ps as PathState };
      }
      return { probability: prob, verdict: new ProxyVerdict(sock, p, np), skb: next, hops: [new ProxyHop(sock, e.ep, why)] };
    };
    if (pinned !== undefined) return [pick(pinned, Fraction.ONE, `ClientIP affinity: ${client} is pinned to ${pinned.ep} (${s.affinitySeconds} s)`)];
    const out: HookBranch[] = [];
    for (const e of prep.endpoints) out.push(pick(e, prep.share, prep.why));
    return out;
  }

  registration(): { hook: Hook; handler: HookHandler } {
    return { hook: 'INPUT', handler: { name: 'kube-proxy-userspace', priority: SOCKET_PRIORITY, process: (h, skb, host) => this.process(h, skb, host) } };
  }
}

const EMPTY: ReadonlyMap<string, string> = new Map();
const accept = (skb: Skb): HookBranch => ({ probability: Fraction.ONE, verdict: { kind: 'accept' }, skb, hops: [] });
