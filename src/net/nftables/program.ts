import type { CtState, HookHop } from '../hooks.js';
import type { CompiledExpr, CompiledRule, CompiledVerdict } from './compile.js';

/**
 * Instruction kinds of a table's program, as small integers: the evaluator switches on them for every instruction a
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
  /** A chain's last instruction: the end of its rules (a regular chain returns, a base chain applies its policy). */
  End: 20,
  /** `ct state new`: the states as bits (CT_BITS). */
  CtMask: 21,
  /** `fib daddr type local`. */
  FibLocal: 22,
  /** `meta mark & 0x4000 == 0`, mask and value within 32 bits. */
  MarkEq: 23,
} as const;

/** Conntrack states as CtMask bits. */
export const CT_BITS: Readonly<Record<CtState, number>> = { NEW: 1, ESTABLISHED: 2, RELATED: 4, INVALID: 8, UNTRACKED: 16 };

/** An object an instruction names by its index in the program's `refs`. */
export type Ref = CompiledRule | CompiledVerdict | CompiledExpr;

/** Protocols as instruction operands. PortOne's 0 means any protocol with ports (`th dport`: not icmp). */
export const PROTOS: readonly (string | undefined)[] = [undefined, 'tcp', 'udp', 'sctp', 'icmp'];

/**
 * A table's chains compiled to one program: op codes with their number operands inline, in one Int32Array that every
 * chain of the table is appended to as it is compiled (a chain is its start offset), and the objects some
 * instructions need in `refs`. Layouts (operands after the op code):
 *
 *     Rule      next, rule        the pc of the next rule (where a failed match goes); the rule's CompiledRule
 *     IpOne     src, neg, ip      src, neg: 1 or 0; ip as int32 (compared with the packet's address | 0)
 *     IpNet     src, neg, mask, network   mask and network as int32
 *     PortOne   proto, neg, port  proto: an index in PROTOS
 *     ProtoOne  proto, neg
 *     Dnat      ok, addr, port    ok 0: the target did not parse (never matches); addr as int32; port -1: the packet's own
 *     Verdict   verdict, hop      its CompiledVerdict; the slot in `verdictHops` of the rule's shared hop
 *     Numgen    mod, (choice, to) × mod   choice: the CompiledVerdict of each generated number, or -1 (no element);
 *                                 to: where it goes, filled when first taken (numgenTarget), 0 until then
 *     CtMask    mask              CT_BITS of the states
 *     FibLocal  daddr, neg        daddr 1: `fib daddr`, 0: `fib saddr`
 *     MarkEq    mask, value, neg  as int32
 *     End       base              1 for a base chain
 *     others    expr              the CompiledExpr, evaluated from its fields
 *
 * Why: at 10,000 Services the chains a packet reaches for its service and endpoints are cold, and each object read is
 * a cache miss. A rule of lone comparisons and a verdict is a few integers in the table's one array instead of a rule
 * object, an expression array and an object per expression; entering a chain is reading at its offset, not a chain
 * object, then its array, then the array's elements. Int32 elements keep a chain on fewer cache lines than doubles (an
 * address above 2^31 made a number[] hold doubles) and switch as integers. (`counter` is not emitted: it changes
 * nothing here.)
 */
export class Program {
  code = new Int32Array(4096);
  /** Instructions written so far (the rest of `code` is spare room). */
  length = 0;
  readonly refs: Ref[] = [];
  /**
   * The hop of each rule with a plain verdict (`jump services`, `return`…), made when a packet first takes it: it
   * depends on nothing but the rule, so every packet shares it instead of allocating its own.
   */
  readonly verdictHops: (HookHop | undefined)[] = [];

  /** Starts a rule; returns the operand slot `endRule` fills with the next rule's pc. */
  startRule(rule: CompiledRule): number {
    this.put(Op.Rule);
    this.put(0);
    this.put(this.ref(rule));
    return this.length - 2;
  }

  endRule(slot: number): void {
    this.code[slot] = this.length;
  }

  endChain(base: boolean): void {
    this.put(Op.End);
    this.put(base ? 1 : 0);
  }

  emit(e: CompiledExpr): void {
    switch (e.op) {
      case Op.CmpIp:
        if (e.one >= 0) this.put4(Op.IpOne, e.src ? 1 : 0, e.neg ? 1 : 0, e.one | 0);
        else if (e.netMask !== -1) {
          this.put4(Op.IpNet, e.src ? 1 : 0, e.neg ? 1 : 0, e.netMask | 0);
          this.put(e.net | 0);
        } else this.put2(e.op, this.ref(e));
        return;
      case Op.CmpPort:
        if (e.one >= 0) this.put4(Op.PortOne, protoIndex(e.proto), e.neg ? 1 : 0, e.one);
        else this.put2(e.op, this.ref(e));
        return;
      case Op.CmpProto:
        if (e.one !== undefined) {
          this.put2(Op.ProtoOne, protoIndex(e.one));
          this.put(e.neg ? 1 : 0);
        } else this.put2(e.op, this.ref(e));
        return;
      case Op.Dnat:
        this.put4(Op.Dnat, e.addr === undefined ? 0 : 1, (e.addr ?? 0) | 0, e.port ?? -1);
        return;
      case Op.Verdict:
        this.put2(Op.Verdict, this.ref(e.verdict));
        this.put(this.verdictHops.push(undefined) - 1);
        return;
      case Op.Numgen:
        this.put2(Op.Numgen, e.mod);
        for (const v of e.choices) this.put2(v === undefined ? -1 : this.ref(v), 0);
        return;
      case Op.CtState: {
        let mask = 0;
        for (const st of e.states) mask |= CT_BITS[st as CtState] ?? 0;
        this.put2(Op.CtMask, mask);
        return;
      }
      case Op.Fib:
        this.put2(Op.FibLocal, e.dir === 'daddr' ? 1 : 0);
        this.put(e.neg ? 1 : 0);
        return;
      case Op.MarkAnd:
        if (isU32(e.mask) && isU32(e.value)) this.put4(Op.MarkEq, e.mask | 0, e.value | 0, e.neg ? 1 : 0);
        else this.put2(e.op, this.ref(e));
        return;
      case Op.Counter:
        return;
      default:
        this.put2(e.op, this.ref(e));
    }
  }

  private put(x: number): void {
    if (this.length === this.code.length) {
      const grown = new Int32Array(this.code.length * 2);
      grown.set(this.code);
      this.code = grown;
    }
    this.code[this.length++] = x;
  }

  private put2(a: number, b: number): void {
    this.put(a);
    this.put(b);
  }

  private put4(a: number, b: number, c: number, d: number): void {
    this.put2(a, b);
    this.put2(c, d);
  }

  private ref(x: Ref): number {
    return this.refs.push(x) - 1;
  }
}

const isU32 = (n: number): boolean => Number.isInteger(n) && n >= 0 && n <= 0xffffffff;

/**
 * A numgen choice's `to` operand: where a taken jump or goto goes without reading its CompiledVerdict (a cold object
 * per endpoint at 10,000 Services). Positive: goto the pc `to - 1`; negative, above NUMGEN_OTHER: jump to `-to - 1`;
 * NUMGEN_OTHER: any other verdict (or a missing chain), applied from the CompiledVerdict.
 */
export const NUMGEN_OTHER = -0x80000000;
export function numgenTarget(v: CompiledVerdict): number {
  const at = v.start();
  if (at < 0) return NUMGEN_OTHER;
  return v.kind === 'goto' ? at + 1 : v.kind === 'jump' ? -at - 1 : NUMGEN_OTHER;
}

function protoIndex(p: string | undefined): number {
  const i = PROTOS.indexOf(p);
  return i < 0 ? 0 : i;
}
