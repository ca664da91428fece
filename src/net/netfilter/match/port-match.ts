import { PROTO_NUMBER } from '../../../addr/index.js';
import type { EvalCtx, IndexHints, Match } from '../types.js';
import { type MatchModule, type ParsedOpt, parsePortRange, portRangeText, single } from './module.js';
import { protoNumberOf } from './ip-header.js';

const HAS_S = 1;
const INV_S = 2;
const HAS_D = 4;
const INV_D = 8;

/**
 * A `-m tcp|udp|sctp` match as one compact object (kube-proxy writes one on most rules). An
 * absent port is the range 0:65535, which every packet passes. `implicit` is set by the rule
 * parser when `-p tcp --dport 80` loaded the module without `-m tcp`.
 */
export class PortMatch implements Match {
  implicit = false;

  constructor(
    readonly module: 'tcp' | 'udp' | 'sctp',
    readonly protoNum: number,
    readonly flags: number,
    readonly sLo: number,
    readonly sHi: number,
    readonly dLo: number,
    readonly dHi: number,
  ) {}

  evaluate(ctx: EvalCtx): boolean {
    const p = ctx.skb.packet;
    if (protoNumberOf(p.proto) !== this.protoNum) return false;
    const f = this.flags;
    if ((p.sport >= this.sLo && p.sport <= this.sHi) === ((f & INV_S) !== 0)) return false;
    return (p.dport >= this.dLo && p.dport <= this.dHi) !== ((f & INV_D) !== 0);
  }

  /** iptables-save prints the source port before the destination port whatever the order written. */
  get saveArgs(): string[] {
    const f = this.flags;
    const save: string[] = [];
    if ((f & HAS_S) !== 0) save.push(...((f & INV_S) !== 0 ? ['!'] : []), '--sport', portRangeText([this.sLo, this.sHi]));
    if ((f & HAS_D) !== 0) save.push(...((f & INV_D) !== 0 ? ['!'] : []), '--dport', portRangeText([this.dLo, this.dHi]));
    return save;
  }

  get hints(): IndexHints {
    const f = this.flags;
    if ((f & HAS_D) === 0 || (f & INV_D) !== 0 || this.dLo !== this.dHi) return { proto: this.protoNum };
    // One destination port and no source port: the keys say all the match tests.
    return (f & (HAS_S | INV_S)) === 0 ? { dport: this.dLo, proto: this.protoNum, exact: true } : { dport: this.dLo, proto: this.protoNum };
  }
}

/** `-m tcp|udp|sctp --sport/--dport [!] a[:b]` (libxt_tcp/udp/sctp). */
function portModule(name: 'tcp' | 'udp' | 'sctp'): MatchModule {
  const protoNum = PROTO_NUMBER[name];
  return {
    name,
    options: { sport: 1, dport: 1 },
    aliases: { 'source-port': 'sport', 'destination-port': 'dport' },
    build(opts, b): Match {
      const o = single(opts, b);
      let flags = 0;
      let s: [number, number] = [0, 65535];
      let d: [number, number] = [0, 65535];
      const sp: ParsedOpt | undefined = o.get('sport');
      const dp: ParsedOpt | undefined = o.get('dport');
      if (sp !== undefined) {
        s = parsePortRange(sp.values[0] ?? '', b);
        flags |= HAS_S | (sp.invert ? INV_S : 0);
      }
      if (dp !== undefined) {
        d = parsePortRange(dp.values[0] ?? '', b);
        flags |= HAS_D | (dp.invert ? INV_D : 0);
      }
      return new PortMatch(name, protoNum, flags, s[0], s[1], d[0], d[1]);
    },
  };
}

export const tcpMatch = portModule('tcp');
export const udpMatch = portModule('udp');
export const sctpMatch = portModule('sctp');
