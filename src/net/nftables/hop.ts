import { ip4ToString } from '../../addr/index.js';
import type { Packet } from '../../packet/index.js';
import type { HookHop } from '../hooks.js';
import type { CompiledExpr, CompiledRule, CompiledVerdict } from './compile.js';
import type { Op, Ref } from './program.js';
import type { NftSelector, NftVerdict } from './types.js';

/** What a hop's detail says; its inputs a, b, x mean what each case of NftHop.format reads. */
export const HopKind = { Text: 0, Mark: 1, Update: 2, Masquerade: 3, Dnat: 4, Vmap: 5, Numgen: 6 } as const;
export type HopKind = (typeof HopKind)[keyof typeof HopKind];

/** A rule hop whose detail is formatted only when read (traces at speed never print most hops). */
export class NftHop implements HookHop {
  readonly step = 'nftables';
  readonly nat?: NonNullable<HookHop['nat']>;
  private d: string | undefined;
  constructor(
    private readonly k: HopKind,
    private readonly a: unknown,
    private readonly b: unknown,
    /** A third input of the detail (the packet of a vmap lookup, the picked number of a numgen), or undefined. */
    private readonly x: unknown,
    /**
     * The program's objects and the index of the rule's CompiledRule there, read only when the hop is printed: a
     * packet's service and endpoint chains are cold at 10,000 Services, and reading the rule object (or copying its
     * names here) was a cache miss for every hop.
     */
    private readonly refs: readonly Ref[],
    private readonly ri: number,
    readonly table: string,
    nat?: HookHop['nat'],
  ) {
    if (k === HopKind.Text) this.d = a as string;
    if (nat !== undefined) this.nat = nat;
  }
  private get r(): CompiledRule {
    return this.refs[this.ri] as CompiledRule;
  }
  get rule(): string {
    return this.r.text;
  }
  get chain(): string {
    return this.r.chain.name;
  }
  get ruleNumber(): number {
    return this.r.number;
  }
  get detail(): string {
    return (this.d ??= this.format());
  }
  private format(): string {
    switch (this.k) {
      case HopKind.Text:
        return this.a as string;
      case HopKind.Mark:
        return `mark set to 0x${(this.a as number).toString(16)}`;
      case HopKind.Update:
        return `${this.a as string} added to @${this.b as string}`;
      case HopKind.Masquerade: {
        const n = this.nat;
        return `masquerade${this.a === true ? ' fully-random' : ''}: ${n?.before ?? ''} => ${n?.after ?? ''}`;
      }
      case HopKind.Dnat:
        return `dnat: ${this.nat?.before ?? ''} => ${this.nat?.after ?? ''}`;
      case HopKind.Vmap: {
        // a: the vmap expression (its key selectors and map name), b: the verdict found, x: the packet looked up.
        const e = this.a as VmapExpr;
        return `${textKey(e.key, this.x as Packet)} → ${verdictWords((this.b as CompiledVerdict).verdict)}${e.name === undefined ? '' : ` (@${e.name})`}`;
      }
      case HopKind.Numgen: {
        // a: the modulus, b: the picked verdict's index in refs, x: the number generated.
        const mod = this.a as number;
        return `numgen random mod ${mod} = ${this.x as number} (probability 1/${mod}) → ${verdictWords((this.refs[this.b as number] as CompiledVerdict).verdict)}`;
      }
    }
  }
}

type VmapExpr = Extract<CompiledExpr, { op: typeof Op.Vmap }>;

export const verdictWords = (v: NftVerdict): string => (v.kind === 'jump' || v.kind === 'goto' ? `${v.kind} ${v.chain}` : v.kind);

// The last packet's addresses as text: several rules of a packet's walk read the same one.
let srcOf: Packet | undefined;
let srcText = '';
let dstOf: Packet | undefined;
let dstText = '';

export function field(sel: NftSelector, p: Packet): string {
  switch (sel) {
    case 'ip saddr':
      if (srcOf !== p) {
        srcText = ip4ToString(p.src);
        srcOf = p;
      }
      return srcText;
    case 'ip daddr':
      if (dstOf !== p) {
        dstText = ip4ToString(p.dst);
        dstOf = p;
      }
      return dstText;
    case 'meta l4proto':
      return p.proto;
    case 'th dport':
      return p.proto === 'icmp' ? '' : String(p.dport);
    case 'tcp dport':
      return p.proto === 'tcp' ? String(p.dport) : '';
    case 'udp dport':
      return p.proto === 'udp' ? String(p.dport) : '';
    case 'sctp dport':
      return p.proto === 'sctp' ? String(p.dport) : '';
  }
}

/** A key as nft prints it: the fields joined by ` . `. */
export function textKey(ks: readonly NftSelector[], p: Packet): string {
  return ks.length === 1 ? field(ks[0] as NftSelector, p) : ks.map((s) => field(s, p)).join(' . ');
}
