import { ip4ToString, parseIp4 } from '../../../addr/index.js';
import { Fraction } from '../../../lib/index.js';
import type { Hook, HookBranch, HookHandler, HostView, PathState, Skb } from '../../../net/index.js';
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
export class UserspaceSockets {
  private byPort = new Map<string, ProxySocket>();
  readonly stateKey: string;

  constructor(readonly netns: string) {
    this.stateKey = `userspace/${netns}`;
  }

  replace(sockets: readonly ProxySocket[]): void {
    this.byPort = new Map(sockets.map((s) => [`${s.proto}/${s.proxyPort}`, s]));
  }

  list(): readonly ProxySocket[] {
    return [...this.byPort.values()];
  }

  private affinity(skb: Skb): ReadonlyMap<string, string> {
    const a = skb.pathState?.get(this.stateKey);
    return a instanceof Map ? (a as ReadonlyMap<string, string>) : EMPTY;
  }

  process(_hook: Hook, skb: Skb, host: HostView): readonly HookBranch[] {
    const p = skb.packet;
    if ((p.proto !== 'tcp' && p.proto !== 'udp') || skb.ct.reply) return [accept(skb)];
    const s = this.byPort.get(`${p.proto}/${p.dport}`);
    if (s === undefined) return [accept(skb)];
    const sock = `kube-proxy (userspace) socket 0.0.0.0:${s.proxyPort}/${p.proto} for ${s.name}`;
    if (s.endpoints.length === 0) {
      return [{
        probability: Fraction.ONE,
        verdict: { kind: 'reject', reason: `${sock} accepted the connection but ${s.name} has no endpoints: the proxy closes it`, with: p.proto === 'tcp' ? 'tcp-reset' : 'icmp-port-unreachable' },
        skb,
        hops: [{ step: 'userspace-proxy', detail: `${sock}: no endpoints (LoadBalancerRR: "missing service entry")` }],
      }];
    }
    const client = ip4ToString(p.src);
    const key = `${s.name}/${client}`;
    const sticky = s.affinitySeconds > 0 ? this.affinity(skb).get(key) : undefined;
    const picks = sticky !== undefined && s.endpoints.includes(sticky)
      ? [{ ep: sticky, prob: Fraction.ONE, why: `ClientIP affinity: ${client} is pinned to ${sticky} (${s.affinitySeconds} s)` }]
      : s.endpoints.map((ep) => ({ ep, prob: Fraction.of(1, s.endpoints.length), why: `LoadBalancerRR: endpoints shuffled on every update, then round-robin; the position is unknown, so each of ${s.endpoints.length} with 1/${s.endpoints.length}` }));
    return picks.map(({ ep, prob, why }) => {
      const [ipText, portText] = ep.split(':');
      const dst = parseIp4(ipText ?? '');
      const src = host.sourceAddressFor(dst) ?? p.dst;
      // The kernel picks an ephemeral source port for kube-proxy's dial; derived from the client's flow here.
      const sport = 32768 + ((p.src ^ (p.sport * 2654435761)) >>> 0) % 28232;
      const np: Packet = { ...p, src, sport, dst, dport: Number(portText), ttl: 64 };
      let next: Skb = skb;
      if (s.affinitySeconds > 0) {
        const m = new Map(this.affinity(skb));
        m.set(key, ep);
        const ps: Map<string, unknown> = new Map(skb.pathState ?? []);
        ps.set(this.stateKey, m);
        next = { ...skb, pathState: ps as PathState };
      }
      return {
        probability: prob,
        verdict: { kind: 'proxy', reason: `${sock} accepted ${client}:${p.sport} → ${ip4ToString(p.dst)}:${p.dport}`, socket: sock, packet: np },
        skb: next,
        hops: [{ step: 'userspace-proxy', detail: `${sock}: backend ${ep}; ${why}` }],
      };
    });
  }

  registration(): { hook: Hook; handler: HookHandler } {
    return { hook: 'INPUT', handler: { name: 'kube-proxy-userspace', priority: SOCKET_PRIORITY, process: (h, skb, host) => this.process(h, skb, host) } };
  }
}

const EMPTY: ReadonlyMap<string, string> = new Map();
const accept = (skb: Skb): HookBranch => ({ probability: Fraction.ONE, verdict: { kind: 'accept' }, skb, hops: [] });
