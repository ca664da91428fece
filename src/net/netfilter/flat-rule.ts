import { CommentMatch } from './match/comment.js';
import { F_DST, F_PROTO, F_SRC, INV_DST, INV_PROTO, IpHeaderMatch } from './match/ip-header.js';
import type { MarkMatch } from './match/mark.js';
import { PortMatch } from './match/port-match.js';
import type { StatisticRandomMatch } from './match/statistic.js';
import { specFromText } from './rule.js';
import type { IndexHints, Match, Rule, Target } from './types.js';

/** Match kinds in `FlatRule.order` (3 bits each, first loaded in the highest digit). */
export const K_COMMENT = 1;
export const K_PORT = 2;
export const K_STATISTIC = 3;
export const K_MARK = 4;
/** A port match iptables loaded implicitly (`-p tcp --dport 80` without `-m tcp`). */
export const K_PORT_IMPLICIT = 5;

const PORT_MODULE = { 6: 'tcp', 17: 'udp', 132: 'sctp' } as const;

/**
 * A kube-proxy-shaped rule held as one flat object: the header fields, the comment's place in
 * the line, the port test and shared statistic/target objects. Its Match objects are built on
 * first use (the walker reaches a handful of a 100k-rule table per packet), so restoring a
 * large ruleset allocates one object per rule and garbage collection has little to move.
 */
export class FlatRule implements Rule {
  private built: readonly Match[] | undefined;

  constructor(
    readonly target: Target,
    readonly text: string,
    readonly lineNo: number,
    /** IpHeaderMatch flags; nets and masks as signed 32-bit values. */
    private readonly hFlags: number,
    private readonly srcNet: number,
    private readonly srcMask: number,
    private readonly dstNet: number,
    private readonly dstMask: number,
    private readonly proto: number,
    /** The comment as text[commentStart, commentEnd) (-1: none). */
    private readonly commentStart: number,
    private readonly commentEnd: number,
    /** Port match protocol (6, 17, 132; 0: none) and ports (-1: not given). */
    private readonly portProto: number,
    private readonly sport: number,
    private readonly dport: number,
    private readonly stat: StatisticRandomMatch | undefined,
    private readonly mark: MarkMatch | undefined,
    /** The match kinds in load order (base-8 digits, see K_*). */
    private readonly order: number,
  ) {}

  /** The arguments after `-A CHAIN`, tokenized again from the text when asked. */
  get spec(): readonly string[] {
    return specFromText(this.text, 2);
  }

  get matches(): readonly Match[] {
    if (this.built === undefined) this.built = this.build();
    return this.built;
  }

  /** What chain-index's ruleKeys computes from the matches, without building them (undefined: contradictory). */
  indexKeys(): IndexHints | undefined {
    const h: IndexHints = {};
    if ((this.hFlags & F_DST) !== 0 && (this.hFlags & INV_DST) === 0 && this.dstMask === -1) h.dst = this.dstNet >>> 0;
    if ((this.hFlags & F_PROTO) !== 0 && (this.hFlags & INV_PROTO) === 0) h.proto = this.proto;
    if (this.portProto !== 0) {
      if (h.proto !== undefined && h.proto !== this.portProto) return undefined;
      h.proto = this.portProto;
      if (this.dport >= 0) h.dport = this.dport;
    }
    return h;
  }

  private build(): readonly Match[] {
    const out: Match[] = [];
    if ((this.hFlags & (F_SRC | F_DST | F_PROTO)) !== 0) {
      out.push(new IpHeaderMatch(this.hFlags, this.srcNet, this.srcMask, this.dstNet, this.dstMask, this.proto, undefined, undefined));
    }
    const kinds: number[] = [];
    for (let o = this.order; o !== 0; o = Math.floor(o / 8)) kinds.unshift(o % 8);
    for (const k of kinds) {
      if (k === K_COMMENT) out.push(new CommentMatch(this.text.slice(this.commentStart, this.commentEnd)));
      else if (k === K_PORT || k === K_PORT_IMPLICIT) {
        const pp = this.portProto as 6 | 17 | 132;
        const flags = (this.sport >= 0 ? 1 : 0) | (this.dport >= 0 ? 4 : 0);
        const m = new PortMatch(PORT_MODULE[pp], pp, flags, this.sport >= 0 ? this.sport : 0, this.sport >= 0 ? this.sport : 65535, this.dport >= 0 ? this.dport : 0, this.dport >= 0 ? this.dport : 65535);
        if (k === K_PORT_IMPLICIT) m.implicit = true;
        out.push(m);
      } else if (k === K_STATISTIC && this.stat !== undefined) out.push(this.stat);
      else if (k === K_MARK && this.mark !== undefined) out.push(this.mark);
    }
    return out;
  }
}
