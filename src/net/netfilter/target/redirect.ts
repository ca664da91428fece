import { type Ip4, ip4 } from '../../../addr/index.js';
import { hasPorts, withDst } from '../../../packet/index.js';
import type { EvalCtx, Target, TargetResult } from '../types.js';
import { TR } from '../types.js';
import type { TargetModule } from './module.js';
import { portRedirectOptions } from './nat-range.js';
import { skbWith } from '../skb.js';

const LOCALHOST: Ip4 = ip4(0x7f000001);

/**
 * One REDIRECT target as one flat object (kube-proxy's userspace mode writes one per portal); portLo -1: no
 * `--to-ports`. Its ports are copied into the walker's plan (writeWords), as DNAT's are.
 */
export class RedirectTarget implements Target {
  readonly name = 'REDIRECT';
  readonly goto = false;

  constructor(
    /** The first port of `--to-ports`, the one a redirect takes; -1: none given. */
    readonly portLo: number,
    readonly saveArgs: readonly string[],
  ) {}

  apply(ctx: EvalCtx): TargetResult {
    return redirectTo(ctx, this.portLo);
  }

  /**
   * Copies what `apply` reads into words[at] (redirectTo applies it; one of the DNAT_WORDS slots DNAT's words use): a
   * packet taking a portal rule then reads neither this object nor its port range (two cache misses at 10,000 Services).
   */
  writeWords(words: unknown[], at: number): void {
    words[at] = this.portLo;
  }
}

/**
 * REDIRECT's translation of the path's packet: to the primary address of the input device in PREROUTING, 127.0.0.1
 * for locally generated packets (nf_nat_redirect_ipv4), and to the range's first port, which nf_nat picks for a
 * redirect; an input device without an address drops the packet.
 */
export function redirectTo(ctx: EvalCtx, portLo: number): TargetResult {
  const p = ctx.skb.packet;
  const inDev = ctx.skb.inDev;
  const addr = ctx.hook === 'OUTPUT' || inDev === undefined ? LOCALHOST : ctx.host.primaryAddress(inDev);
  if (addr === undefined) {
    ctx.note = `REDIRECT: no address on ${inDev ?? '?'}`;
    return TR.Drop;
  }
  const dport = hasPorts(p) && portLo >= 0 ? portLo : p.dport;
  ctx.skb = skbWith(ctx.skb, withDst(p, addr, dport), ctx.skb.mark, ctx.skb.ct, ctx.skb.pathState);
  ctx.natType = 'redirect';
  return TR.Accept;
}

/** `-j REDIRECT [--to-ports p[-q]] [--random]`: DNAT to this host (see redirectTo). */
export const redirectTarget: TargetModule = {
  name: 'REDIRECT',
  options: { 'to-ports': 1, random: 0 },
  tables: ['nat'],
  hooks: ['PREROUTING', 'OUTPUT'],
  build(opts, b): Target {
    const { ports, saveArgs } = portRedirectOptions(opts, b, ['random']);
    return new RedirectTarget(ports?.[0] ?? -1, saveArgs);
  },
};
