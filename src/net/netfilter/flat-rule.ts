import { CommentMatch } from './match/comment.js';
import { F_DST, F_PROTO, F_SRC, INV_DST, INV_PROTO, INV_SRC, IpHeaderMatch, protoNumberOf } from './match/ip-header.js';
import type { MarkMatch } from './match/mark.js';
import { PortMatch } from './match/port-match.js';
import type { StatisticRandomMatch } from './match/statistic.js';
import { specFromText } from './rule.js';
import type { EvalCtx, IndexHints, Match, Rule, Target } from './types.js';

/** Match kinds in `FlatRule.order` (3 bits each, first loaded in the highest digit). */
export const K_COMMENT = 1;
export const K_PORT = 2;
export const K_STATISTIC = 3;
export const K_MARK = 4;
/** A port match iptables loaded implicitly (`-p tcp --dport 80` without `-m tcp`). */
export const K_PORT_IMPLICIT = 5;

const PORT_MODULE = { 6: 'tcp', 17: 'udp', 132: 'sctp' } as const;

function kindsOf(order: number): number[] {
  const kinds: number[] = [];
  for (let o = order; o !== 0; o = Math.floor(o / 8)) kinds.unshift(o % 8);
  return kinds;
}

/**
 * A kube-proxy-shaped rule held as one flat object: the header fields, the comment's place in
 * the line, the port test and shared statistic/target objects. Its Match objects are built on
 * first use (the walker reaches a handful of a 100k-rule table per packet), so restoring a
 * large ruleset allocates one object per rule and garbage collection has little to move.
 */
export class FlatRule implements Rule {
  // Fields in the order the walker reads them (target, the packed bits, the header and port
  // tests, statistic, mark), declared before the rest: an object's fields sit in declaration
  // order, so a packet's test of the rule reads one or two cache lines, not every line of it.
  readonly target: Target;
  /**
   * Small fields packed into one small integer (a restored kube-proxy node holds ~110,000 of
   * these; every field less is ~1 MB less for the young-generation GC to copy twice):
   * bits 0-5 IpHeaderMatch flags, 6-7 which tests come after the statistic match (bit 6 port,
   * bit 7 mark: the walker runs them only on its "matched" branch), 8-15 the -p protocol number,
   * 16-23 the port match protocol (6, 17, 132; 0: none).
   */
  private readonly bits: number;
  /** IpHeaderMatch nets and masks as signed 32-bit values. */
  private readonly srcNet: number;
  private readonly srcMask: number;
  private readonly dstNet: number;
  private readonly dstMask: number;
  /** Port match ports (-1: not given). */
  private readonly sport: number;
  private readonly dport: number;
  /** The statistic match (shared by every rule with the same --probability text). */
  readonly stat: StatisticRandomMatch | undefined;
  private readonly mark: MarkMatch | undefined;
  readonly text: string;
  readonly lineNo: number;
  /** The match kinds in load order (base-8 digits, see K_*). */
  private readonly order: number;
  /** The comment as text[c >> 8, (c >> 8) + (c & 255)), or -1. */
  private readonly comment: number;
  private built: readonly Match[] | undefined;

  constructor(
    target: Target,
    text: string,
    lineNo: number,
    /** IpHeaderMatch flags; nets and masks as signed 32-bit values. */
    hFlags: number,
    srcNet: number,
    srcMask: number,
    dstNet: number,
    dstMask: number,
    proto: number,
    /** The comment as text[commentStart, commentEnd) (-1: none; at most 255 characters, starting before 2^22). */
    commentStart: number,
    commentEnd: number,
    /** Port match protocol (6, 17, 132; 0: none) and ports (-1: not given). */
    portProto: number,
    sport: number,
    dport: number,
    stat: StatisticRandomMatch | undefined,
    mark: MarkMatch | undefined,
    order: number,
  ) {
    // Digits below the statistic's are loaded after it (read low digit first: no array per rule).
    let after = 0;
    let pending = 0;
    for (let o = order; o !== 0; o = Math.floor(o / 8)) {
      const k = o % 8;
      if (k === K_STATISTIC) after = pending;
      else if (k === K_PORT || k === K_PORT_IMPLICIT) pending |= 1;
      else if (k === K_MARK) pending |= 2;
    }
    this.target = target;
    this.bits = (hFlags & 63) | (after << 6) | ((proto & 255) << 8) | ((portProto & 255) << 16);
    this.srcNet = srcNet;
    this.srcMask = srcMask;
    this.dstNet = dstNet;
    this.dstMask = dstMask;
    this.sport = sport;
    this.dport = dport;
    this.stat = stat;
    this.mark = mark;
    this.text = text;
    this.lineNo = lineNo;
    this.order = order;
    this.comment = commentStart < 0 ? -1 : commentStart * 256 + (commentEnd - commentStart);
  }

  private get hFlags(): number {
    return this.bits & 63;
  }
  private get proto(): number {
    return (this.bits >> 8) & 255;
  }
  private get portProto(): number {
    return (this.bits >> 16) & 255;
  }

  /**
   * Evaluates the rule's tests directly from its fields, as its matches would: part 0 is every
   * test before the statistic match (all of them when there is none), part 1 those after it.
   */
  test(ctx: EvalCtx, part: 0 | 1): boolean {
    return testFields(ctx, part, this.bits, this.srcNet, this.srcMask, this.dstNet, this.dstMask, this.sport, this.dport, this.mark);
  }

  /**
   * Copies what `test` reads into words[at, at + FLAT_WORDS) (testWordsAt tests them there). The walker's plan holds
   * them beside the rule's other slots, so testing a rule reads the plan's cache line, not the rule object too (at
   * 10,000 Services each rule a packet meets is a cache miss of its own).
   */
  writeTestWords(words: unknown[], at: number): void {
    words[at] = this.bits;
    words[at + 1] = this.srcNet;
    words[at + 2] = this.srcMask;
    words[at + 3] = this.dstNet;
    words[at + 4] = this.dstMask;
    words[at + 5] = this.sport;
    words[at + 6] = this.dport;
    words[at + 7] = this.mark;
  }

  /** The arguments after `-A CHAIN`, tokenized again from the text when asked. */
  get spec(): readonly string[] {
    return specFromText(this.text, 2);
  }

  /**
   * What a packet must satisfy besides the statistic match (the walker skips testing what is
   * known): 0 nothing (only a comment and/or the statistic), 1 exactly the chain index's keys
   * (`-d ip/32`, the protocol and one `--dport`, nothing else), so a packet an index found by
   * those keys matches; 2 other tests.
   */
  get testNeed(): 0 | 1 | 2 {
    const f = this.hFlags;
    if (this.mark !== undefined) return 2;
    if (f === 0 && this.portProto === 0) return 0;
    if ((f & (F_SRC | INV_SRC | INV_DST | INV_PROTO)) !== 0 || (f & F_DST) === 0 || this.dstMask !== -1) return 2;
    if (this.portProto === 0 || this.sport >= 0 || this.dport < 0) return 2;
    return (f & F_PROTO) === 0 || this.proto === this.portProto ? 1 : 2;
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
    for (const k of kindsOf(this.order)) {
      if (k === K_COMMENT) out.push(new CommentMatch(this.text.slice(this.comment >> 8, (this.comment >> 8) + (this.comment & 255))));
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

/** How many words FlatRule.writeTestWords writes. */
export const FLAT_WORDS = 8;

/** FlatRule.test over the words its writeTestWords put at words[at]. */
export function testWordsAt(words: readonly unknown[], at: number, ctx: EvalCtx, part: 0 | 1): boolean {
  return testFields(
    ctx,
    part,
    words[at] as number,
    words[at + 1] as number,
    words[at + 2] as number,
    words[at + 3] as number,
    words[at + 4] as number,
    words[at + 5] as number,
    words[at + 6] as number,
    words[at + 7] as MarkMatch | undefined,
  );
}

/** A FlatRule's tests from its fields (`bits` as FlatRule packs them). */
function testFields(ctx: EvalCtx, part: 0 | 1, bits: number, srcNet: number, srcMask: number, dstNet: number, dstMask: number, sport: number, dport: number, mark: MarkMatch | undefined): boolean {
  const p = ctx.skb.packet;
  const f = bits & 63;
  const after = (bits >> 6) & 3;
  if (part === 0 && f !== 0) {
    if (((p.src & srcMask) === srcNet) === ((f & INV_SRC) !== 0)) return false;
    if (((p.dst & dstMask) === dstNet) === ((f & INV_DST) !== 0)) return false;
    if ((f & F_PROTO) !== 0 && (protoNumberOf(p.proto) === ((bits >> 8) & 255)) === ((f & INV_PROTO) !== 0)) return false;
  }
  const portProto = (bits >> 16) & 255;
  if (portProto !== 0 && (after & 1) === part) {
    if (protoNumberOf(p.proto) !== portProto) return false;
    if (sport >= 0 && p.sport !== sport) return false;
    if (dport >= 0 && p.dport !== dport) return false;
  }
  if (mark !== undefined && (after & 2) >> 1 === part && !mark.evaluate(ctx)) return false;
  return true;
}
