import { hasPorts, withDst } from '../../../packet/index.js';
import { single } from '../match/module.js';
import type { EvalCtx, Target, TargetResult } from '../types.js';
import { TR } from '../types.js';
import type { TargetModule } from './module.js';
import { skbWith } from '../skb.js';
import { type NatRange, natRangeText, parseNatRange } from './nat-range.js';
import type { Ip4 } from '../../../addr/index.js';

/** One DNAT target as one flat object (kube-proxy writes one per endpoint); portLo -1: no port range. */
export class DnatTarget implements Target {
  readonly name = 'DNAT';
  readonly goto = false;

  constructor(
    readonly minIp: Ip4,
    readonly maxIp: Ip4,
    readonly portLo: number,
    readonly portHi: number,
    readonly random: boolean,
    readonly persistent: boolean,
  ) {}

  static of(range: NatRange, random: boolean, persistent: boolean): DnatTarget {
    return new DnatTarget(range.minIp, range.maxIp, range.ports?.[0] ?? -1, range.ports?.[1] ?? -1, random, persistent);
  }

  get range(): NatRange {
    return { minIp: this.minIp, maxIp: this.maxIp, ports: this.portLo < 0 ? undefined : [this.portLo, this.portHi] };
  }

  get saveArgs(): string[] {
    const save = ['--to-destination', natRangeText(this.range)];
    if (this.random) save.push('--random');
    if (this.persistent) save.push('--persistent');
    return save;
  }

  apply(ctx: EvalCtx): TargetResult {
    return dnatTo(ctx, this.minIp, this.portLo, this.portHi);
  }

  /**
   * Copies what `apply` reads into words[at, at + DNAT_WORDS) (dnatTo applies them): the walker's plan keeps them
   * beside the rule's other slots, so a packet taking kube-proxy's endpoint rule does not read this object too.
   */
  writeWords(words: unknown[], at: number): void {
    words[at] = this.minIp;
    words[at + 1] = this.portLo;
    words[at + 2] = this.portHi;
  }
}

/** How many words DnatTarget.writeWords writes. */
export const DNAT_WORDS = 3;

/** A DNAT target's translation of the path's packet (to the range's first address; ports as nf_nat picks them). */
export function dnatTo(ctx: EvalCtx, minIp: Ip4, portLo: number, portHi: number): TargetResult {
  const p = ctx.skb.packet;
  // nf_nat keeps the port when it is inside the range, otherwise takes the range's first (pickPort).
  const dport = !hasPorts(p) || portLo < 0 || (p.dport >= portLo && p.dport <= portHi) ? p.dport : portLo;
  ctx.skb = skbWith(ctx.skb, withDst(p, minIp, dport), ctx.skb.mark, ctx.skb.ct, ctx.skb.pathState);
  ctx.natType = 'dnat';
  return TR.Accept;
}

/**
 * `-j DNAT --to-destination ip[-ip][:port[-port]] [--random] [--persistent]`: rewrites the
 * destination of a connection's first packet; conntrack applies it to the rest. With an address
 * range the model takes its first address (the kernel hashes the tuple over the range).
 */
export const dnatTarget: TargetModule = {
  name: 'DNAT',
  options: { 'to-destination': 1, random: 0, persistent: 0 },
  tables: ['nat'],
  hooks: ['PREROUTING', 'OUTPUT'],
  build(opts, b): Target {
    const o = single(opts, b);
    const to = o.get('to-destination')?.values[0];
    if (to === undefined) return b.fail('DNAT: you must specify --to-destination');
    const withPorts = b.proto === 6 || b.proto === 17 || b.proto === 132;
    const range = parseNatRange(to, b, withPorts);
    return DnatTarget.of(range, o.has('random'), o.has('persistent'));
  },
};
