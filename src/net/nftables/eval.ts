import { Cidr4, type Ip4, ip4ToString, tryParseIp4 } from '../../addr/index.js';
import { Fraction } from '../../lib/index.js';
import { flowKey, type Packet } from '../../packet/index.js';
import type { HookBranch, HookHop, HostView, PathState, Skb } from '../hooks.js';
import type { NftChain, NftExpr, NftRule, NftSelector, NftTable, NftVerdict } from './types.js';

/** Lookup structures compiled once per table: vmap and set contents by key string. */
export interface CompiledTable {
  readonly table: NftTable;
  /** `ip kube-proxy`, as hops name the table. */
  readonly label: string;
  readonly maps: ReadonlyMap<string, ReadonlyMap<string, NftVerdict>>;
  readonly sets: ReadonlyMap<string, { readonly exact: ReadonlySet<string>; readonly cidrs: readonly Cidr4[] }>;
}

export function compileTable(table: NftTable): CompiledTable {
  const maps = new Map<string, Map<string, NftVerdict>>();
  const sets = new Map<string, { exact: Set<string>; cidrs: Cidr4[] }>();
  for (const s of table.sets.values()) {
    if (s.map) {
      const m = new Map<string, NftVerdict>();
      for (const e of s.elements) if (e.value !== undefined) m.set(e.key.join(' . '), e.value);
      maps.set(s.name, m);
    } else {
      const exact = new Set<string>();
      const cidrs: Cidr4[] = [];
      for (const e of s.elements) {
        const k = e.key.join(' . ');
        if (k.includes('/')) cidrs.push(Cidr4.parse(k));
        else exact.add(k);
      }
      sets.set(s.name, { exact, cidrs });
    }
  }
  return { table, label: `${table.family} ${table.name}`, maps, sets };
}

function field(sel: NftSelector, p: Packet): string {
  switch (sel) {
    case 'ip saddr':
      return ip4ToString(p.src);
    case 'ip daddr':
      return ip4ToString(p.dst);
    case 'meta l4proto':
      return p.proto;
    case 'th dport':
      return p.proto === 'icmp' ? '' : String(p.dport);
    case 'tcp dport':
    case 'udp dport':
    case 'sctp dport':
      return p.proto === sel.slice(0, sel.indexOf(' ')) ? String(p.dport) : '';
  }
}

function cmpMatch(e: Extract<NftExpr, { op: 'cmp' }>, f: Fields): boolean {
  const addr = e.sel === 'ip saddr' ? f.p.src : e.sel === 'ip daddr' ? f.p.dst : undefined;
  for (const v of cmpValues(e)) {
    if (typeof v === 'string') {
      if (v === f.get(e.sel)) return true;
    } else if (addr !== undefined && v.contains(addr)) return true;
  }
  return false;
}

interface Ctx {
  skb: Skb;
  prob: Fraction;
  /** Mutable: appended to in place; copied only where a path forks (numgen). */
  hops: HookHop[];
}

/** A rule hop whose detail is formatted only when read (traces at speed never print most hops). */
class NftHop implements HookHop {
  readonly step = 'nftables';
  readonly nat?: NonNullable<HookHop['nat']>;
  private d: string | (() => string);
  constructor(
    d: string | (() => string),
    readonly rule: string,
    readonly table: string,
    readonly chain: string,
    readonly ruleNumber: number,
    nat?: HookHop['nat'],
  ) {
    this.d = d;
    if (nat !== undefined) this.nat = nat;
  }
  get detail(): string {
    if (typeof this.d !== 'string') this.d = this.d();
    return this.d;
  }
}

/** Parsed CIDR values of `cmp` expressions, compiled once. */
const cidrCache = new WeakMap<object, readonly (Cidr4 | string)[]>();
function cmpValues(e: Extract<NftExpr, { op: 'cmp' }>): readonly (Cidr4 | string)[] {
  let v = cidrCache.get(e);
  if (v === undefined) {
    v = e.values.map((x) => (x.includes('/') ? Cidr4.parse(x) : x));
    cidrCache.set(e, v);
  }
  return v;
}

/** The packet's fields as strings, computed at most once per rule evaluation. */
class Fields {
  private src: string | undefined;
  private dst: string | undefined;
  constructor(readonly p: Packet) {}
  get(sel: NftSelector): string {
    if (sel === 'ip saddr') return (this.src ??= ip4ToString(this.p.src));
    if (sel === 'ip daddr') return (this.dst ??= ip4ToString(this.p.dst));
    return field(sel, this.p);
  }
}

/** Dynamic set contents on a path (`update @set`), under `nftables/<netns>`. */
type Dyn = ReadonlyMap<string, ReadonlySet<string>>;

export interface EvalEnv {
  readonly ct: CompiledTable;
  readonly host: HostView;
  readonly stateKey: string;
}

const MAX_JUMPS = 1000;
const CT_STATE: Readonly<Record<string, string>> = { NEW: 'new', ESTABLISHED: 'established', RELATED: 'related', INVALID: 'invalid', UNTRACKED: 'untracked' };
const dnatCache = new WeakMap<object, Ip4>();
const shares = new Map<number, Fraction>();
const oneIn = (n: number): Fraction => {
  let f = shares.get(n);
  if (f === undefined) shares.set(n, (f = Fraction.of(1, n)));
  return f;
};
const CONTINUE: NftVerdict = { kind: 'continue' };

/**
 * Evaluates a base chain for one packet, forking at `numgen random`. Verdict semantics of
 * nf_tables: jump pushes a return point, goto does not, the end of a regular chain returns, the
 * end of the base chain applies its policy; `dnat`/`masquerade` end evaluation with accept.
 */
export function evalBaseChain(env: EvalEnv, chain: NftChain, skb: Skb): HookBranch[] {
  const out: HookBranch[] = [];
  const run = (c: NftChain, idx: number, stack: { c: NftChain; i: number }[], ctx: Ctx, depth: number): void => {
    if (depth > MAX_JUMPS) {
      out.push({ probability: ctx.prob, verdict: { kind: 'drop', reason: `nftables: more than ${MAX_JUMPS} jumps (loop)` }, skb: ctx.skb, hops: ctx.hops });
      return;
    }
    for (let i = idx; i < c.rules.length; i++) {
      const r = c.rules[i];
      if (r === undefined) continue;
      const res = evalRule(env, c, r, i, ctx);
      if (res === undefined) continue;
      for (const [v, sub] of res) {
        const apply = (verdict: NftVerdict | 'nat-accept'): void => {
          if (verdict === 'nat-accept') return void out.push({ probability: sub.prob, verdict: { kind: 'accept' }, skb: sub.skb, hops: sub.hops });
          switch (verdict.kind) {
            case 'continue':
              return run(c, i + 1, stack, sub, depth);
            case 'accept':
              return void out.push({ probability: sub.prob, verdict: { kind: 'accept' }, skb: sub.skb, hops: sub.hops });
            case 'drop':
              return void out.push({ probability: sub.prob, verdict: { kind: 'drop', reason: `nftables ${env.ct.table.name} chain ${c.name}: ${r.text}` }, skb: sub.skb, hops: sub.hops });
            case 'reject':
              return void out.push({ probability: sub.prob, verdict: { kind: 'reject', reason: `nftables ${env.ct.table.name} chain ${c.name}: ${r.text}`, with: 'icmp-port-unreachable' }, skb: sub.skb, hops: sub.hops });
            case 'return': {
              const top = stack.at(-1);
              if (top === undefined) return void out.push(policy(chain, sub));
              return run(top.c, top.i, stack.slice(0, -1), sub, depth + 1);
            }
            case 'jump':
            case 'goto': {
              const target = env.ct.table.chains.get(verdict.chain);
              if (target === undefined) return void out.push({ probability: sub.prob, verdict: { kind: 'drop', reason: `nftables: no chain ${verdict.chain}` }, skb: sub.skb, hops: sub.hops });
              const st = verdict.kind === 'jump' ? [...stack, { c, i: i + 1 }] : stack;
              return run(target, 0, st, sub, depth + 1);
            }
          }
        };
        apply(v);
      }
      return;
    }
    // End of chain: a regular chain returns to its caller; the base chain applies its policy.
    const top = stack.at(-1);
    if (c.base === undefined && top !== undefined) {
      run(top.c, top.i, stack.slice(0, -1), ctx, depth + 1);
      return;
    }
    out.push(policy(chain, ctx));
  };
  run(chain, 0, [], { skb, prob: Fraction.ONE, hops: [] }, 0);
  return out;
}

function natHop(type: 'dnat' | 'masquerade', p: Packet, np: Packet): HookHop['nat'] {
  let before: string | undefined;
  let after: string | undefined;
  return {
    type,
    get before(): string {
      return (before ??= flowKey(p));
    },
    get after(): string {
      return (after ??= flowKey(np));
    },
  };
}

function policy(chain: NftChain, ctx: Ctx): HookBranch {
  if (chain.base?.policy === 'drop') return { probability: ctx.prob, verdict: { kind: 'drop', reason: `nftables chain ${chain.name} policy drop` }, skb: ctx.skb, hops: ctx.hops };
  return { probability: ctx.prob, verdict: { kind: 'accept' }, skb: ctx.skb, hops: ctx.hops };
}

type RuleResult = [NftVerdict | 'nat-accept', Ctx][];

/** Evaluates one rule: undefined if it does not match, else the verdict(s) with the context after its statements. */
function evalRule(env: EvalEnv, c: NftChain, r: NftRule, index: number, ctx0: Ctx): RuleResult | undefined {
  let ctx = ctx0;
  const table = env.ct.label;
  const withHop = (x: Ctx, detail: string | (() => string), nat?: HookHop['nat']): Ctx => {
    x.hops.push(new NftHop(detail, r.text, table, c.name, index + 1, nat));
    return x;
  };
  let fields = new Fields(ctx.skb.packet);
  for (let k = 0; k < r.exprs.length; k++) {
    const e = r.exprs[k] as NftExpr;
    const p = ctx.skb.packet;
    if (fields.p !== p) fields = new Fields(p);
    switch (e.op) {
      case 'ct-state': {
        if (!e.states.includes(CT_STATE[ctx.skb.ct.state] ?? '')) return undefined;
        break;
      }
      case 'cmp': {
        if (cmpMatch(e, fields) === e.neg) return undefined;
        break;
      }
      case 'in-set': {
        const f = fields.get(e.sel);
        const s = env.ct.sets.get(e.set);
        const dyn = (ctx.skb.pathState?.get(env.stateKey) as Dyn | undefined)?.get(e.set);
        const ip = tryParseIp4(f);
        const has = s?.exact.has(f) === true || dyn?.has(f) === true || (ip !== undefined && s?.cidrs.some((x) => x.contains(ip)) === true);
        if (has === e.neg) return undefined;
        break;
      }
      case 'fib': {
        const ip = e.dir === 'daddr' ? p.dst : p.src;
        if ((env.host.addrType(ip) === 'LOCAL') === e.neg) return undefined;
        break;
      }
      case 'mark-and':
        if (((ctx.skb.mark & e.mask) >>> 0 === e.value) === e.neg) return undefined;
        break;
      case 'mark-set': {
        const mark = (e.fn === '|' ? ctx.skb.mark | e.value : ctx.skb.mark ^ e.value) >>> 0;
        ctx = withHop({ ...ctx, skb: { ...ctx.skb, mark } }, () => `mark set to 0x${mark.toString(16)}`);
        break;
      }
      case 'update': {
        const f = fields.get(e.sel);
        const cur = (ctx.skb.pathState?.get(env.stateKey) as Dyn | undefined) ?? new Map<string, ReadonlySet<string>>();
        const m = new Map(cur);
        m.set(e.set, new Set([...(cur.get(e.set) ?? []), f]));
        const ps: Map<string, unknown> = new Map(ctx.skb.pathState ?? []);
        ps.set(env.stateKey, m);
        ctx = withHop({ ...ctx, skb: { ...ctx.skb, pathState: ps as PathState } }, `${f} added to @${e.set}`);
        break;
      }
      case 'counter':
        break;
      case 'masquerade': {
        const out = ctx.skb.outDev;
        const src = (out === undefined ? undefined : env.host.primaryAddress(out)) ?? env.host.sourceAddressFor(p.dst);
        if (src === undefined) return [['nat-accept', withHop(ctx, 'masquerade: no address on the output device')]];
        const np: Packet = { ...p, src };
        return [['nat-accept', withHop({ ...ctx, skb: { ...ctx.skb, packet: np } }, () => `masquerade${e.fullyRandom ? ' fully-random' : ''}: ${flowKey(p)} => ${flowKey(np)}`, natHop('masquerade', p, np))]];
      }
      case 'dnat': {
        let dst = dnatCache.get(e);
        if (dst === undefined) {
          dst = tryParseIp4(e.addr);
          if (dst !== undefined) dnatCache.set(e, dst);
        }
        if (dst === undefined) return undefined;
        const np: Packet = { ...p, dst, dport: e.port ?? p.dport };
        return [['nat-accept', withHop({ ...ctx, skb: { ...ctx.skb, packet: np } }, () => `dnat: ${flowKey(p)} => ${flowKey(np)}`, natHop('dnat', p, np))]];
      }
      case 'verdict':
        return [[e.verdict, withHop(ctx, e.verdict.kind)]];
      case 'vmap': {
        const key = e.key.length === 3 ? `${fields.get(e.key[0] as NftSelector)} . ${fields.get(e.key[1] as NftSelector)} . ${fields.get(e.key[2] as NftSelector)}` : e.key.map((s) => fields.get(s)).join(' . ');
        const m = typeof e.map === 'string' ? env.ct.maps.get(e.map) : e.map;
        const v = m?.get(key);
        if (v === undefined) return undefined;
        const mapName = e.map;
        return [[v, withHop(ctx, () => `${key} → ${v.kind === 'jump' || v.kind === 'goto' ? `${v.kind} ${v.chain}` : v.kind}${typeof mapName === 'string' ? ` (@${mapName})` : ''}`)]];
      }
      case 'numgen': {
        const res: RuleResult = [];
        for (let n = 0; n < e.mod; n++) {
          const v = e.map.get(String(n));
          const share = oneIn(e.mod);
          const sub: Ctx = { skb: ctx.skb, prob: ctx.prob.isOne() ? share : ctx.prob.mul(share), hops: ctx.hops.slice() };
          if (v === undefined) {
            // No element: the rule does not match on this branch; the next rule continues it.
            res.push([{ kind: 'continue' }, sub]);
            continue;
          }
          res.push([v, withHop(sub, () => `numgen random mod ${e.mod} = ${n} (probability 1/${e.mod}) → ${v.kind === 'jump' || v.kind === 'goto' ? `${v.kind} ${v.chain}` : v.kind}`)]);
        }
        return res;
      }
    }
  }
  // All matches passed and no verdict: continue with the next rule.
  return [[CONTINUE, ctx]];
}
