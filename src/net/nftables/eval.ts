import type { Ip4 } from '../../addr/index.js';
import { Fraction } from '../../lib/index.js';
import { type Packet, withDst, withSrc } from '../../packet/index.js';
import { LazyNatFlows } from '../nat-flows.js';
import { skbWith } from '../netfilter/skb.js';
import type { HookBranch, HookHop, HostView, PathState, Skb } from '../hooks.js';
import { type CompiledChain, type CompiledExpr, type CompiledRule, type CompiledTable, CompiledVerdict, oneIn } from './compile.js';
import { CT_BITS, NUMGEN_OTHER, Op, PROTOS, numgenTarget } from './program.js';
import { HopKind, NftHop, field, textKey } from './hop.js';
import { packetKey } from './numeric-key.js';
import type { NftChain, NftVerdict } from './types.js';

export { compileTable, type CompiledTable } from './compile.js';

/** One path through the chains. Mutable: the path owns it; copied only where a path forks (numgen). */
interface Ctx {
  skb: Skb;
  prob: Fraction;
  hops: HookHop[];
}

/** A return point pushed by `jump` (a linked list: pushing shares the rest, as forks need). */
interface Frame {
  /** The instruction to return to: the header of the rule after the jump. */
  readonly i: number;
  readonly up: Frame | undefined;
}

export interface EvalEnv {
  readonly ct: CompiledTable;
  readonly host: HostView;
  readonly stateKey: string;
}


const chainOf = (v: NftVerdict): string => (v.kind === 'jump' || v.kind === 'goto' ? v.chain : '');

/** Dynamic set contents on a path (`update @set`), under `nftables/<netns>`. */
type Dyn = ReadonlyMap<string, ReadonlySet<string>>;

const MAX_JUMPS = 1000;
const ACCEPT = { kind: 'accept' } as const;
const ACCEPT_V = new CompiledVerdict(ACCEPT, undefined);
/** test's answer for an expression that matched and takes no verdict (identity only: never applied). */
const MATCH = new CompiledVerdict({ kind: 'continue' }, undefined);

/**
 * Evaluates a base chain for one packet, forking at `numgen random`. Verdict semantics of
 * nf_tables: jump pushes a return point, goto does not, the end of a regular chain returns, the
 * end of the base chain applies its policy; `dnat`/`masquerade` end evaluation with accept.
 */
export function evalBaseChain(env: EvalEnv, chain: NftChain, skb: Skb): HookBranch[] {
  return evalCompiledChain(env, env.ct.chain(chain), skb);
}

/** evalBaseChain on a chain compiled beforehand (the hook handler keeps it). */
export function evalCompiledChain(env: EvalEnv, base: CompiledChain, skb: Skb): HookBranch[] {
  const out: HookBranch[] = [];
  run(env, base, out, base.at, undefined, { skb, prob: Fraction.ONE, hops: [] }, 0);
  return out;
}

function branch(out: HookBranch[], ctx: Ctx, verdict: HookBranch['verdict']): void {
  out.push({ probability: ctx.prob, verdict, skb: ctx.skb, hops: ctx.hops });
}

/**
 * Runs the table's program from instruction `pc` (a rule's start) to a verdict or the chain's end: one loop over the
 * program (program.ts). A rule's statements update `ctx` in place; a failed match undoes them (back to the skb and
 * hops the rule started with) and goes to the next rule.
 */
function run(env: EvalEnv, base: CompiledChain, out: HookBranch[], pc: number, stack: Frame | undefined, ctx: Ctx, depth: number): void {
  if (depth > MAX_JUMPS) return branch(out, ctx, { kind: 'drop', reason: `nftables: more than ${MAX_JUMPS} jumps (loop)` });
  // Read once: only a jump compiles a chain (which may grow the program), and a jump leaves this loop.
  const code = env.ct.prog.code;
  const refs = env.ct.prog.refs;
  let ri = 0;
  let next = pc;
  let skb0 = ctx.skb;
  let hops0 = ctx.hops.length;
  for (;;) {
    const skb = ctx.skb;
    const p = skb.packet;
    let ok = true;
    // Each case reads its operands and moves pc past them (layouts: program.ts).
    switch (code[pc]) {
      case Op.Rule:
        next = code[pc + 1] as number;
        ri = code[pc + 2] as number;
        skb0 = skb;
        hops0 = ctx.hops.length;
        pc += 3;
        continue;
      case Op.IpOne:
        ok = (((code[pc + 1] === 1 ? p.src : p.dst) | 0) === code[pc + 3]) !== (code[pc + 2] === 1);
        pc += 4;
        break;
      case Op.IpNet:
        ok = (((code[pc + 1] === 1 ? p.src : p.dst) & (code[pc + 3] as number)) === code[pc + 4]) !== (code[pc + 2] === 1);
        pc += 5;
        break;
      case Op.PortOne: {
        // `tcp dport` reads nothing from a udp packet, `th dport` nothing from icmp: no value equals that.
        const proto = code[pc + 1] as number;
        const has = proto === 0 ? p.proto !== 'icmp' : p.proto === PROTOS[proto];
        ok = (has && p.dport === code[pc + 3]) !== (code[pc + 2] === 1);
        pc += 4;
        break;
      }
      case Op.ProtoOne:
        ok = (p.proto === PROTOS[code[pc + 1] as number]) !== (code[pc + 2] === 1);
        pc += 3;
        break;
      case Op.CtMask:
        ok = (CT_BITS[skb.ct.state] & (code[pc + 1] as number)) !== 0;
        pc += 2;
        break;
      case Op.FibLocal:
        ok = (env.host.addrType(code[pc + 1] === 1 ? p.dst : p.src) === 'LOCAL') !== (code[pc + 2] === 1);
        pc += 3;
        break;
      case Op.MarkEq:
        ok = ((skb.mark & (code[pc + 1] as number)) === code[pc + 2]) !== (code[pc + 3] === 1);
        pc += 4;
        break;
      case Op.Dnat: {
        if (code[pc + 1] === 0) {
          ok = false;
          pc += 4;
          break;
        }
        const port = code[pc + 3] as number;
        const np: Packet = withDst(p, ((code[pc + 2] as number) >>> 0) as Ip4, port < 0 ? p.dport : port);
        ctx.skb = skbWith(skb, np, skb.mark, skb.ct, skb.pathState);
        ctx.hops.push(hop(env, ri, HopKind.Dnat, undefined, undefined, new LazyNatFlows('dnat', p, np)));
        return branch(out, ctx, ACCEPT);
      }
      case Op.Verdict: {
        const v = refs[code[pc + 1] as number] as CompiledVerdict;
        const hops = env.ct.prog.verdictHops;
        const slot = code[pc + 2] as number;
        ctx.hops.push(hops[slot] ?? (hops[slot] = hop(env, ri, HopKind.Text, v.kind)));
        return apply(env, base, out, next, ri, stack, ctx, depth, v);
      }
      case Op.Numgen:
        return fork(env, base, out, pc, next, ri, stack, ctx, depth);
      case Op.End:
        // A regular chain returns to its caller; the base chain applies its policy.
        if (code[pc + 1] === 0 && stack !== undefined) return run(env, base, out, stack.i, stack.up, ctx, depth + 1);
        return policy(out, base, ctx);
      default: {
        const e = refs[code[pc + 1] as number] as CompiledExpr;
        pc += 2;
        const v = test(env, ri, ctx, e);
        if (v === MATCH) break;
        if (v !== undefined) return apply(env, base, out, next, ri, stack, ctx, depth, v);
        ok = false;
      }
    }
    if (!ok) {
      if (ctx.skb !== skb0) {
        ctx.skb = skb0;
        ctx.hops.length = hops0;
      }
      pc = next;
    }
  }
}

/**
 * An expression evaluated from its compiled object (the forms program.ts does not write inline): MATCH if it
 * matched (statements always do; their effects are in `ctx`), undefined if not, or the verdict it takes. `ri`: the
 * rule's index in the program's refs (for hops).
 */
function test(env: EvalEnv, ri: number, ctx: Ctx, e: CompiledExpr): CompiledVerdict | undefined {
  const skb = ctx.skb;
  const p = skb.packet;
  let ok = true;
  switch (e.op) {
    case Op.CmpProto:
      ok = e.protos.includes(p.proto) !== e.neg;
      break;
    case Op.CmpPort: {
      const has = e.proto === undefined ? p.proto !== 'icmp' : p.proto === e.proto;
      ok = (has && e.ports.includes(p.dport)) !== e.neg;
      break;
    }
    case Op.CmpIp: {
      const ip = e.src ? p.src : p.dst;
      let hit = e.addrs.includes(ip);
      for (let j = 0; !hit && j < e.cidrs.length; j++) hit = (e.cidrs[j] as (typeof e.cidrs)[number]).contains(ip);
      ok = hit !== e.neg;
      break;
    }
    case Op.InSet: {
      const f = field(e.sel, p);
      const dyn = (skb.pathState?.get(env.stateKey) as Dyn | undefined)?.get(e.set);
      let has = e.contents?.exact.has(f) === true || dyn?.has(f) === true;
      if (!has && e.ip && e.contents !== undefined && e.contents.cidrs.length > 0) {
        const ip = e.sel === 'ip saddr' ? p.src : p.dst;
        has = e.contents.cidrs.some((x) => x.contains(ip));
      }
      ok = has !== e.neg;
      break;
    }
    case Op.MarkAnd:
      ok = ((skb.mark & e.mask) >>> 0 === e.value) !== e.neg;
      break;
    case Op.MarkSet: {
      const mark = (e.fn === '|' ? skb.mark | e.value : skb.mark ^ e.value) >>> 0;
      ctx.skb = skbWith(skb, skb.packet, mark, skb.ct, skb.pathState);
      ctx.hops.push(hop(env, ri, HopKind.Mark, mark));
      break;
    }
    case Op.Update: {
      const f = field(e.sel, p);
      const cur = (skb.pathState?.get(env.stateKey) as Dyn | undefined) ?? new Map<string, ReadonlySet<string>>();
      const m = new Map(cur);
      m.set(e.set, new Set([...(cur.get(e.set) ?? []), f]));
      const ps: Map<string, unknown> = new Map(skb.pathState ?? []);
      ps.set(env.stateKey, m);
      ctx.skb = skbWith(skb, skb.packet, skb.mark, skb.ct, ps as PathState);
      ctx.hops.push(hop(env, ri, HopKind.Update, f, e.set));
      break;
    }
    case Op.Masquerade: {
      const dev = skb.outDev;
      const src = (dev === undefined ? undefined : env.host.primaryAddress(dev)) ?? env.host.sourceAddressFor(p.dst);
      if (src === undefined) {
        ctx.hops.push(hop(env, ri, HopKind.Text, 'masquerade: no address on the output device'));
        return ACCEPT_V;
      }
      const np: Packet = withSrc(p, src, p.sport);
      ctx.skb = skbWith(skb, np, skb.mark, skb.ct, skb.pathState);
      ctx.hops.push(hop(env, ri, HopKind.Masquerade, e.fullyRandom, undefined, new LazyNatFlows('masquerade', p, np)));
      return ACCEPT_V;
    }
    case Op.Vmap: {
      const ks = e.key;
      const v = e.byNumber !== undefined ? e.byNumber.get(packetKey(ks, p)) : e.map?.get(textKey(ks, p));
      if (v === undefined) return undefined;
      ctx.hops.push(hop(env, ri, HopKind.Vmap, e, v, undefined, p));
      return v;
    }
    // Written inline by program.ts (or handled by run): never here.
    case Op.CtState:
    case Op.Fib:
    case Op.Dnat:
    case Op.Counter:
    case Op.Verdict:
    case Op.Numgen:
      break;
  }
  return ok ? MATCH : undefined;
}

/**
 * `numgen random mod n vmap {…}` at instruction `at`: one branch per generated number, each with 1/n of the path's
 * probability.
 */
function fork(env: EvalEnv, base: CompiledChain, out: HookBranch[], at: number, next: number, ri: number, stack: Frame | undefined, ctx: Ctx, depth: number): void {
  const prog = env.ct.prog;
  const mod = prog.code[at + 1] as number;
  const share = oneIn(mod);
  for (let n = 0; n < mod; n++) {
    const sub: Ctx = { skb: ctx.skb, prob: ctx.prob.isOne() ? share : ctx.prob.mul(share), hops: ctx.hops.slice() };
    // Read again for every branch: the branch before may have compiled a chain, growing the program into a new array.
    const vi = prog.code[at + 2 + 2 * n] as number;
    // No element: the rule does not match on this branch; the next rule continues it.
    if (vi < 0) {
      run(env, base, out, next, stack, sub, depth);
      continue;
    }
    sub.hops.push(new NftHop(HopKind.Numgen, mod, vi, n, prog.refs, ri, env.ct.label));
    let to = prog.code[at + 3 + 2 * n] as number;
    if (to === 0) {
      to = numgenTarget(prog.refs[vi] as CompiledVerdict);
      prog.code[at + 3 + 2 * n] = to;
    }
    if (to > 0) run(env, base, out, to - 1, stack, sub, depth + 1);
    else if (to !== NUMGEN_OTHER) run(env, base, out, -to - 1, { i: next, up: stack }, sub, depth + 1);
    else apply(env, base, out, next, ri, stack, sub, depth, prog.refs[vi] as CompiledVerdict);
  }
}

/** A verdict taken by rule `ri` (its index in refs); `next`: the instruction after the rule (where a jump returns to). */
function apply(env: EvalEnv, base: CompiledChain, out: HookBranch[], next: number, ri: number, stack: Frame | undefined, ctx: Ctx, depth: number, cv: CompiledVerdict): void {
  switch (cv.kind) {
    case 'continue':
      return run(env, base, out, next, stack, ctx, depth);
    case 'accept':
      return branch(out, ctx, ACCEPT);
    case 'drop':
      return branch(out, ctx, { kind: 'drop', reason: `nftables ${env.ct.table.name} chain ${ruleAt(env, ri).chain.name}: ${ruleAt(env, ri).text}` });
    case 'reject':
      return branch(out, ctx, { kind: 'reject', reason: `nftables ${env.ct.table.name} chain ${ruleAt(env, ri).chain.name}: ${ruleAt(env, ri).text}`, with: 'icmp-port-unreachable' });
    case 'return':
      if (stack === undefined) return policy(out, base, ctx);
      return run(env, base, out, stack.i, stack.up, ctx, depth + 1);
    case 'jump':
    case 'goto': {
      const target = cv.start();
      if (target < 0) return branch(out, ctx, { kind: 'drop', reason: `nftables: no chain ${chainOf(cv.verdict)}` });
      return run(env, base, out, target, cv.kind === 'jump' ? { i: next, up: stack } : stack, ctx, depth + 1);
    }
  }
}

const ruleAt = (env: EvalEnv, ri: number): CompiledRule => env.ct.prog.refs[ri] as CompiledRule;

function policy(out: HookBranch[], base: CompiledChain, ctx: Ctx): void {
  if (base.policyDrop) return branch(out, ctx, { kind: 'drop', reason: `nftables chain ${base.chain.name} policy drop` });
  branch(out, ctx, ACCEPT);
}

function hop(env: EvalEnv, ri: number, k: HopKind, a: unknown, b?: unknown, nat?: HookHop['nat'], x?: unknown): NftHop {
  return new NftHop(k, a, b, x, env.ct.prog.refs, ri, env.ct.label, nat);
}
