import { Cidr4, type Ip4, ip4ToString, tryParseIp4 } from '../../addr/index.js';
import { Fraction } from '../../lib/index.js';
import { elementKey, numericKey } from './numeric-key.js';
import { IntKeyMap } from '../int-key-map.js';
import { Op, Program } from './program.js';
import type { NftChain, NftExpr, NftSelector, NftTable, NftVerdict } from './types.js';

/** A static set's contents: exact keys, and the CIDRs of an interval set. */
export interface CompiledSet {
  readonly exact: ReadonlySet<string>;
  readonly cidrs: readonly Cidr4[];
}

/**
 * An expression prepared for the packet path: maps resolved to their hash tables (nf_tables looks
 * a vmap key up in the set's hash, it does not scan the elements), addresses parsed once, numgen's
 * choices indexed by the generated number.
 */
export type CompiledExpr =
  /** The conntrack states as CtView names them (NEW, ESTABLISHED…). */
  | { readonly op: typeof Op.CtState; readonly states: readonly string[] }
  /**
   * `meta l4proto tcp`. The comparisons keep a lone value (kube-proxy's rules compare with one) in `one` as well:
   * testing it reads the expression only, not its array too (at 10,000 Services every object a packet meets is a
   * cache miss).
   */
  | { readonly op: typeof Op.CmpProto; readonly neg: boolean; readonly protos: readonly string[]; readonly one: string | undefined }
  /** `tcp dport 80` (`proto` tcp) or `th dport 80` (`proto` undefined: any protocol with ports); `one`: a lone port, or -1. */
  | { readonly op: typeof Op.CmpPort; readonly proto: string | undefined; readonly neg: boolean; readonly ports: readonly number[]; readonly one: number }
  /**
   * `ip saddr` / `ip daddr` against addresses and CIDRs, compared as numbers; `one`: a lone address (no CIDR), or -1;
   * `netMask`/`net`: a lone CIDR (no address) as its mask and network, or mask -1 (kube-proxy's `ip saddr !=
   * 10.0.0.0/8` in every service chain, tested without reading the CIDR array and object).
   */
  | {
      readonly op: typeof Op.CmpIp;
      readonly src: boolean;
      readonly neg: boolean;
      readonly addrs: readonly Ip4[];
      readonly cidrs: readonly Cidr4[];
      readonly one: number;
      readonly netMask: number;
      readonly net: number;
    }
  | { readonly op: typeof Op.InSet; readonly sel: NftSelector; readonly neg: boolean; readonly set: string; readonly contents: CompiledSet | undefined; readonly ip: boolean }
  | { readonly op: typeof Op.Fib; readonly dir: 'saddr' | 'daddr'; readonly neg: boolean }
  | { readonly op: typeof Op.MarkAnd; readonly mask: number; readonly value: number; readonly neg: boolean }
  | { readonly op: typeof Op.MarkSet; readonly fn: '|' | '^'; readonly value: number }
  | { readonly op: typeof Op.Update; readonly set: string; readonly sel: NftSelector }
  | { readonly op: typeof Op.Masquerade; readonly fullyRandom: boolean }
  /** `addr` undefined: the target did not parse, the rule never matches (as before compilation). */
  | { readonly op: typeof Op.Dnat; readonly addr: Ip4 | undefined; readonly port: number | undefined }
  | { readonly op: typeof Op.Counter }
  | { readonly op: typeof Op.Verdict; readonly verdict: CompiledVerdict }
  /** `name` is the named map (`@service-ips`), undefined for an anonymous one. */
  | {
      readonly op: typeof Op.Vmap;
      readonly key: readonly NftSelector[];
      readonly map: ReadonlyMap<string, CompiledVerdict> | undefined;
      /** The same elements by numeric key (numeric-key.ts), when the key fits in a number. */
      readonly byNumber: IntKeyMap<CompiledVerdict> | undefined;
      readonly name: string | undefined;
    }
  | { readonly op: typeof Op.Numgen; readonly mod: number; readonly choices: readonly (CompiledVerdict | undefined)[] };

/** A verdict whose jump / goto target is looked up once, when first taken. */
export class CompiledVerdict {
  private t: CompiledChain | undefined | null = null;
  /** The target chain's first instruction, -1 for none; -2 until first asked. */
  private at = -2;
  readonly verdict: NftVerdict;
  /** verdict.kind, read here: the evaluator switches on it for every verdict taken (the verdict object is one miss further). */
  readonly kind: NftVerdict['kind'];
  constructor(
    verdict: NftVerdict,
    private readonly ct: CompiledTable | undefined,
  ) {
    this.verdict = internVerdict(verdict);
    this.kind = this.verdict.kind;
  }
  /** The chain a jump / goto enters; undefined if the table has no such chain (or the verdict is not a jump). */
  target(): CompiledChain | undefined {
    if (this.t === null) {
      const v = this.verdict;
      this.t = v.kind === 'jump' || v.kind === 'goto' ? this.ct?.chainNamed(v.chain) : undefined;
    }
    return this.t;
  }
  /** target()'s start in the table's program, or -1: a number kept on this object, so taking the jump reads nothing else. */
  start(): number {
    if (this.at === -2) this.at = this.target()?.at ?? -1;
    return this.at;
  }
}

/** What a rule's hops and verdict reasons name (an Op.Rule instruction refers to it; read only when a hop is printed or a packet dropped). */
export interface CompiledRule {
  readonly text: string;
  /** 1-based, as hops number rules. */
  readonly number: number;
  readonly chain: { readonly name: string };
}

export interface CompiledChain {
  readonly chain: NftChain;
  readonly name: string;
  readonly base: boolean;
  /** A base chain with policy drop (read at the end of every base chain a packet runs through). */
  readonly policyDrop: boolean;
  /** The chain's first instruction in its table's program (program.ts). */
  readonly at: number;
}

/** Lookup structures compiled once per table: vmap and set contents by key string, chains on first use. */
export interface CompiledTable {
  readonly table: NftTable;
  /** `ip kube-proxy`, as hops name the table. */
  readonly label: string;
  readonly maps: ReadonlyMap<string, ReadonlyMap<string, CompiledVerdict>>;
  readonly sets: ReadonlyMap<string, CompiledSet>;
  /** Every compiled chain's instructions, appended as chains are compiled. */
  readonly prog: Program;
  /** The chain's compiled rules (compiled when a packet first reaches it: most of 10k services' chains never see one). */
  chain(c: NftChain): CompiledChain;
  /** The compiled chain named `name`, undefined if the table has none. */
  chainNamed(name: string): CompiledChain | undefined;
}

export function compileTable(table: NftTable): CompiledTable {
  const maps = new Map<string, Map<string, CompiledVerdict>>();
  const sets = new Map<string, { exact: Set<string>; cidrs: Cidr4[] }>();
  const compiled = new Map<string, CompiledChain>();
  const numericMaps = new Map<string, IntKeyMap<CompiledVerdict>>();
  const shared = new Map<string, CompiledExpr>();
  const prog = new Program();
  const ct: CompiledTable = {
    table,
    prog,
    label: `${table.family} ${table.name}`,
    maps,
    sets,
    chain(c) {
      let cc = compiled.get(c.name);
      if (cc === undefined || cc.chain !== c) {
        const ref = { name: c.name };
        const at = prog.length;
        c.rules.forEach((r, i) => {
          const exprs = r.exprs.map((e) => interned(e, ct, numericMaps, shared));
          if (neverMatches(exprs)) return;
          const slot = prog.startRule({ text: r.text, number: i + 1, chain: ref });
          for (const e of exprs) prog.emit(e);
          prog.endRule(slot);
        });
        prog.endChain(c.base !== undefined);
        cc = { chain: c, name: c.name, base: c.base !== undefined, policyDrop: c.base?.policy === 'drop', at };
        compiled.set(c.name, cc);
      }
      return cc;
    },
    chainNamed(name) {
      const cc = compiled.get(name);
      if (cc !== undefined) return cc;
      const c = table.chains.get(name);
      return c === undefined ? undefined : ct.chain(c);
    },
  };
  for (const s of table.sets.values()) {
    if (s.map) {
      const m = new Map<string, CompiledVerdict>();
      for (const e of s.elements) if (e.value !== undefined) m.set(e.key.length === 1 ? (e.key[0] ?? '') : e.key.join(' . '), new CompiledVerdict(e.value, ct));
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
  return ct;
}

/**
 * A rule that no packet can match and that does nothing on its way to failing: a lookup in an empty verdict map
 * (kube-proxy's no-endpoint, nodeport and firewall maps, empty in most clusters) behind comparisons only. The program
 * leaves such a rule out: evaluating it would only read the packet, hash its key and find nothing. Anything before
 * the lookup that could end evaluation (a verdict, dnat, masquerade, numgen, another vmap) keeps the rule.
 */
function neverMatches(exprs: readonly CompiledExpr[]): boolean {
  for (const e of exprs) {
    switch (e.op) {
      case Op.CtState:
      case Op.CmpProto:
      case Op.CmpPort:
      case Op.CmpIp:
      case Op.InSet:
      case Op.Fib:
      case Op.MarkAnd:
      case Op.Counter:
        continue;
      case Op.Vmap:
        return e.map === undefined || e.map.size === 0;
      default:
        return false;
    }
  }
  return false;
}

const shares = new Map<number, Fraction>();
/** 1/n, one shared Fraction per n (a numgen's share of its path, multiplied at every fork). */
export function oneIn(n: number): Fraction {
  let f = shares.get(n);
  if (f === undefined) shares.set(n, (f = Fraction.of(1, n)));
  return f;
}

/**
 * The compiled expression, shared with every rule of the table that has the same one (compiled expressions are
 * immutable). kube-proxy writes the same `ip saddr != 10.0.0.0/8`, `tcp dport 80`, `meta l4proto tcp` and
 * `jump mark-for-masquerade` into every service's chains: one shared object stays in cache, where 10,000 copies are
 * each a cache miss when a packet reaches its service. Only comparisons and verdicts are keyed; the other expressions
 * are unique to their rule (dnat, numgen) or appear in a few base chains.
 */
function interned(e: NftExpr, ct: CompiledTable, numericMaps: Map<string, IntKeyMap<CompiledVerdict>>, shared: Map<string, CompiledExpr>): CompiledExpr {
  const key = e.op === 'cmp' ? `${e.sel}${e.neg ? ' != ' : ' '}${e.values.join(',')}` : e.op === 'verdict' ? verdictKey(e.verdict) : e.op === 'ct-state' ? `ct state ${e.states.join(',')}` : undefined;
  if (key === undefined) return compileExpr(e, ct, numericMaps);
  let c = shared.get(key);
  if (c === undefined) shared.set(key, (c = compileExpr(e, ct, numericMaps)));
  return c;
}

const verdictKey = (v: NftVerdict): string => (v.kind === 'jump' || v.kind === 'goto' ? `${v.kind} ${v.chain}` : v.kind);

function compileExpr(e: NftExpr, ct: CompiledTable, numericMaps: Map<string, IntKeyMap<CompiledVerdict>>): CompiledExpr {
  switch (e.op) {
    case 'ct-state':
      // Interned names: the parsed words are slices of the rule text, slower to compare.
      return { op: Op.CtState, states: e.states.flatMap((x) => CT_STATES[x] ?? []) };
    case 'cmp': {
      const sel = SEL[e.sel];
      if (sel === 'meta l4proto') {
        const protos = e.values.flatMap((v) => PROTO[v] ?? []);
        return { op: Op.CmpProto, neg: e.neg, protos, one: protos.length === 1 ? protos[0] : undefined };
      }
      if (sel !== 'ip saddr' && sel !== 'ip daddr') {
        // A value that does not print as a port number never equalled a packet's port text.
        const ports = e.values.filter((v) => /^\d+$/.test(v) && String(Number(v)) === v).map(Number);
        return { op: Op.CmpPort, proto: DPORT_PROTO[sel], neg: e.neg, ports, one: ports.length === 1 ? (ports[0] ?? -1) : -1 };
      }
      // A plain value matched the printed address exactly; one that does not print back the same never matched.
      const addrs: Ip4[] = [];
      const cidrs: Cidr4[] = [];
      for (const v of e.values) {
        if (v.includes('/')) cidrs.push(Cidr4.parse(v));
        else {
          const ip = tryParseIp4(v);
          if (ip !== undefined && ip4ToString(ip) === v) addrs.push(ip);
        }
      }
      const lone = addrs.length === 0 && cidrs.length === 1 ? cidrs[0] : undefined;
      return {
        op: Op.CmpIp,
        src: sel === 'ip saddr',
        neg: e.neg,
        addrs,
        cidrs,
        one: addrs.length === 1 && cidrs.length === 0 ? (addrs[0] ?? -1) : -1,
        netMask: lone === undefined ? -1 : lone.mask,
        net: lone === undefined ? 0 : lone.network,
      };
    }
    case 'in-set':
      return { op: Op.InSet, sel: SEL[e.sel], neg: e.neg, set: e.set, contents: ct.sets.get(e.set), ip: e.sel === 'ip saddr' || e.sel === 'ip daddr' };
    case 'dnat':
      return { op: Op.Dnat, addr: tryParseIp4(e.addr), port: e.port };
    case 'vmap': {
      const map = typeof e.map === 'string' ? ct.maps.get(e.map) : new Map([...e.map].map(([k, v]) => [k, new CompiledVerdict(v, ct)]));
      const name = typeof e.map === 'string' ? e.map : undefined;
      const key = e.key.map((k) => SEL[k]);
      const sel = numericKey(key);
      if (map === undefined || sel === undefined) return { op: Op.Vmap, key, map, byNumber: undefined, name };
      const cacheKey = name === undefined ? undefined : `${name}|${sel.join('|')}`;
      let byNumber = cacheKey === undefined ? undefined : numericMaps.get(cacheKey);
      if (byNumber === undefined) {
        const byKey = new Map<number, CompiledVerdict>();
        for (const [k, v] of map) {
          const n = elementKey(sel, sel.length === 1 ? [k] : k.split(' . '));
          if (n !== undefined) byKey.set(n, v);
        }
        byNumber = new IntKeyMap(byKey, byKey.size);
        if (cacheKey !== undefined) numericMaps.set(cacheKey, byNumber);
      }
      return { op: Op.Vmap, key, map, byNumber, name };
    }
    case 'numgen':
      return {
        op: Op.Numgen,
        mod: e.mod,
        choices: Array.from({ length: e.mod }, (_, n) => {
          const v = e.map.get(String(n));
          return v === undefined ? undefined : new CompiledVerdict(v, ct);
        }),
      };
    case 'verdict':
      return { op: Op.Verdict, verdict: new CompiledVerdict(e.verdict, ct) };
    case 'update':
      return { op: Op.Update, set: e.set, sel: SEL[e.sel] };
    case 'fib':
      return { op: Op.Fib, dir: e.dir, neg: e.neg };
    case 'mark-and':
      return { op: Op.MarkAnd, mask: e.mask, value: e.value, neg: e.neg };
    case 'mark-set':
      return { op: Op.MarkSet, fn: e.fn, value: e.value };
    case 'masquerade':
      return { op: Op.Masquerade, fullyRandom: e.fullyRandom };
    case 'counter':
      return { op: Op.Counter };
  }
}

// Interned forms of the words a rule was parsed from (see ct-state above).
const SEL: Readonly<Record<NftSelector, NftSelector>> = { 'ip saddr': 'ip saddr', 'ip daddr': 'ip daddr', 'meta l4proto': 'meta l4proto', 'th dport': 'th dport', 'tcp dport': 'tcp dport', 'udp dport': 'udp dport', 'sctp dport': 'sctp dport' };
const DPORT_PROTO: Readonly<Record<NftSelector, string | undefined>> = { 'ip saddr': undefined, 'ip daddr': undefined, 'meta l4proto': undefined, 'th dport': undefined, 'tcp dport': 'tcp', 'udp dport': 'udp', 'sctp dport': 'sctp' };
const PROTO: Readonly<Partial<Record<string, string>>> = { tcp: 'tcp', udp: 'udp', sctp: 'sctp', icmp: 'icmp' };
const CT_STATES: Readonly<Partial<Record<string, string>>> = { new: 'NEW', established: 'ESTABLISHED', related: 'RELATED', invalid: 'INVALID', untracked: 'UNTRACKED' };
const KIND: Readonly<Record<NftVerdict['kind'], NftVerdict['kind']>> = { accept: 'accept', drop: 'drop', return: 'return', continue: 'continue', reject: 'reject', jump: 'jump', goto: 'goto' };

/** The verdict with its kind interned (compared on every packet). */
function internVerdict(v: NftVerdict): NftVerdict {
  return v.kind === 'jump' || v.kind === 'goto' ? { kind: KIND[v.kind] as 'jump' | 'goto', chain: v.chain } : ({ kind: KIND[v.kind] } as NftVerdict);
}
