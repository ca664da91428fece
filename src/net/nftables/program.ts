import type { CompiledExpr, CompiledRule, CompiledVerdict } from './compile.js';

/**
 * Instruction kinds of a chain's program, as small integers: the evaluator switches on them for every instruction a
 * packet meets, and a switch over dense small integers is a jump table where one over names compares string after
 * string. The first fifteen are also the kinds of compiled expressions (CompiledExpr.op).
 */
export const Op = {
  CtState: 0,
  CmpProto: 1,
  CmpPort: 2,
  CmpIp: 3,
  InSet: 4,
  Fib: 5,
  MarkAnd: 6,
  MarkSet: 7,
  Update: 8,
  Masquerade: 9,
  Dnat: 10,
  Counter: 11,
  Verdict: 12,
  Vmap: 13,
  Numgen: 14,
  /** A rule's first instruction. */
  Rule: 15,
  /** `ip saddr 10.180.0.3`, `ip daddr 172.30.0.41`: one address. */
  IpOne: 16,
  /** `ip saddr != 10.0.0.0/8`: one CIDR. */
  IpNet: 17,
  /** `tcp dport 80`, `th dport 80`: one port. */
  PortOne: 18,
  /** `meta l4proto tcp`: one protocol. */
  ProtoOne: 19,
} as const;

/** An object an instruction names by its index in the chain's `refs`. */
export type Ref = CompiledRule | CompiledVerdict | CompiledExpr;

/** Protocols as instruction operands. PortOne's 0 means any protocol with ports (`th dport`: not icmp). */
export const PROTOS: readonly (string | undefined)[] = [undefined, 'tcp', 'udp', 'sctp', 'icmp'];

/**
 * A chain compiled to one program: op codes with their number operands inline, and the objects some instructions
 * need in `refs`. Layouts (operands after the op code):
 *
 *     Rule      next, rule        the pc of the next rule (where a failed match goes); the rule's CompiledRule
 *     IpOne     src, neg, ip      src, neg: 1 or 0
 *     IpNet     src, neg, mask, network
 *     PortOne   proto, neg, port  proto: an index in PROTOS
 *     ProtoOne  proto, neg
 *     Dnat      addr, port        addr -1: the target did not parse (never matches); port -1: the packet's own
 *     Verdict   verdict           its CompiledVerdict
 *     Numgen    mod, choice × mod the CompiledVerdict of each generated number, or -1 (no element)
 *     others    expr              the CompiledExpr, evaluated from its fields
 *
 * Why: at 10,000 Services the chains a packet reaches for its service and endpoints are cold, and each object read is
 * a cache miss. A rule of lone comparisons and a verdict is a few numbers in the chain's one array instead of a rule
 * object, an expression array and an object per expression. (`counter` is not emitted: it changes nothing here.)
 */
export class Program {
  readonly code: number[] = [];
  readonly refs: Ref[] = [];

  /** Starts a rule; returns the operand slot `endRule` fills with the next rule's pc. */
  startRule(rule: CompiledRule): number {
    this.code.push(Op.Rule, 0, this.ref(rule));
    return this.code.length - 2;
  }

  endRule(slot: number): void {
    this.code[slot] = this.code.length;
  }

  emit(e: CompiledExpr): void {
    const code = this.code;
    switch (e.op) {
      case Op.CmpIp:
        if (e.one >= 0) code.push(Op.IpOne, e.src ? 1 : 0, e.neg ? 1 : 0, e.one);
        else if (e.netMask !== -1) code.push(Op.IpNet, e.src ? 1 : 0, e.neg ? 1 : 0, e.netMask, e.net);
        else code.push(e.op, this.ref(e));
        return;
      case Op.CmpPort:
        if (e.one >= 0) code.push(Op.PortOne, protoIndex(e.proto), e.neg ? 1 : 0, e.one);
        else code.push(e.op, this.ref(e));
        return;
      case Op.CmpProto:
        if (e.one !== undefined) code.push(Op.ProtoOne, protoIndex(e.one), e.neg ? 1 : 0);
        else code.push(e.op, this.ref(e));
        return;
      case Op.Dnat:
        code.push(Op.Dnat, e.addr ?? -1, e.port ?? -1);
        return;
      case Op.Verdict:
        code.push(Op.Verdict, this.ref(e.verdict));
        return;
      case Op.Numgen:
        code.push(Op.Numgen, e.mod);
        for (const v of e.choices) code.push(v === undefined ? -1 : this.ref(v));
        return;
      case Op.Counter:
        return;
      default:
        code.push(e.op, this.ref(e));
    }
  }

  private ref(x: Ref): number {
    return this.refs.push(x) - 1;
  }
}

function protoIndex(p: string | undefined): number {
  const i = PROTOS.indexOf(p);
  return i < 0 ? 0 : i;
}
