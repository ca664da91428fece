import type { EndpointInfo } from '../../endpoint.js';
import type { ServicePortInfo } from '../../service-port.js';
import { chainDeclarations, chainDeclarationsLength, emitServicePort, type NodeVariant, type ServiceRenderConfig } from './render-service.js';

/**
 * Default-variant text of one block of service ports, shared by all nodes without overrides in it:
 * each section is one flat string, and `off` says where each position's text starts, so a node
 * that must replace one service of the block cuts the others out of it instead of re-rendering.
 */
export class BlockText {
  private headsText: string | undefined;

  constructor(
    readonly epoch: number,
    readonly version: number,
    readonly large: boolean,
    /** Per position: its KUBE-SERVICES / KUBE-NODEPORTS rules, then the rules of its own chains. */
    readonly full: string,
    readonly decls: string,
    readonly filter: string,
    /** The service port and endpoint list rendered at each position (undefined: tombstone). */
    readonly svcs: readonly (ServicePortInfo | undefined)[],
    readonly eps: readonly (readonly EndpointInfo[] | undefined)[],
    /** Start offsets of position k: head length so far, full, decls, filter at [4k..4k+3]; k = size holds the ends. */
    readonly off: Int32Array,
    headsText?: string,
  ) {
    this.headsText = headsText;
  }

  /** Whether `heads` was already cut out (a rebuild then keeps it up to date instead of cutting again). */
  get hasHeads(): boolean {
    return this.headsText !== undefined;
  }

  /** The KUBE-SERVICES / KUBE-NODEPORTS rules alone (partial syncs), cut out of `full` on first use. */
  get heads(): string {
    if (this.headsText === undefined) {
      const parts: string[] = [];
      for (let k = 0; k < this.svcs.length; k++) {
        const f0 = this.at(4 * k + 1);
        const len = this.at(4 * k + 4) - this.at(4 * k);
        if (len > 0) parts.push(this.full.slice(f0, f0 + len));
      }
      this.headsText = parts.join('');
    }
    return this.headsText;
  }

  at(i: number): number {
    return this.off[i] ?? 0;
  }
}

/**
 * The arrays a BlockBuilder collects pieces in, kept and emptied after each block: the same arrays
 * for every block of a cache. Fresh ones would start with small-integer elements whenever V8 has
 * no allocation feedback yet for the code making them, and the first string pushed into such an
 * array deoptimizes the already optimized code that pushes.
 */
export interface BlockScratch {
  readonly full: string[];
  readonly decls: string[];
  readonly filter: string[];
  readonly chains: string[];
  readonly heads: string[];
}

export function newBlockScratch(): BlockScratch {
  return { full: [], decls: [], filter: [], chains: [], heads: [] };
}

function clearScratch(s: BlockScratch): void {
  s.full.length = 0;
  s.decls.length = 0;
  s.filter.length = 0;
  s.chains.length = 0;
  s.heads.length = 0;
}

/**
 * Builds a BlockText position by position: each position is rendered, or (a run of positions
 * unchanged since the previous text) copied from it as one slice per section with its offsets
 * shifted, so a partial sync that adds one Service costs one rendering and one copy of the block,
 * not a slice and a join per position.
 *
 * A position's KUBE-SERVICES pieces and then its chain-rule pieces are joined into one flat string
 * and pushed into `full` (emitServicePort says where its KUBE-SERVICES pieces end) (pieces straight into a block-wide array were slower: a 25,000-element
 * array regrown in large-object space); its filter pieces go straight into the filter array, and
 * the chains it declares are declared with one join per run of rendered positions. Offsets are
 * running sums of the pieces' lengths.
 *
 * ConfigRenderCache.block drives it: which positions to render and which to copy.
 */
export class BlockBuilder {
  private readonly full: string[];
  private readonly decls: string[];
  private readonly filter: string[];
  /** The KUBE-SERVICES lines alone, kept up to date only if the previous text had them (partial syncs read them). */
  private readonly heads: string[] | undefined;
  private readonly off: Int32Array;
  /** The chains of the positions rendered since the last copied run, declared together (flushChains). */
  private readonly chains: string[];
  private readonly sink: { head: string[]; filter: string[]; rules: string[]; chains: string[] };
  /** Running lengths of the heads, full, decls and filter sections. */
  private h = 0;
  private f = 0;
  private d = 0;
  private fl = 0;

  constructor(
    private readonly size: number,
    keepHeads: boolean,
    private readonly scratch: BlockScratch,
    private readonly cfg: ServiceRenderConfig,
    private readonly node: NodeVariant,
  ) {
    // Emptied here as well as after use: a rendering that threw must not leave its pieces behind.
    clearScratch(scratch);
    const { full, decls, filter, chains } = scratch;
    this.full = full;
    this.decls = decls;
    this.filter = filter;
    this.chains = chains;
    this.heads = keepHeads ? scratch.heads : undefined;
    // One sink for the block, its head and rules array fresh per position (an object literal
    // holding array literals per service was a deep boilerplate copy in the runtime).
    this.sink = { head: full, filter, rules: full, chains };
    this.off = new Int32Array(4 * size + 4);
  }

  /**
   * Renders positions [from, to) (nothing for a tombstone). One loop over a run rather than a call
   * per position: a first render runs this body 10,000 times, and it is then compiled once, in
   * this loop, not also as a method of its own.
   */
  render(from: number, to: number, svcs: readonly (ServicePortInfo | undefined)[], epsAt: readonly (readonly EndpointInfo[] | undefined)[]): void {
    const { full, chains, filter, sink } = this;
    for (let k = from; k < to; k++) {
      this.mark(k);
      const svc = svcs[k];
      const eps = epsAt[k];
      if (svc === undefined || eps === undefined) continue;
      const c0 = chains.length;
      const fl0 = filter.length;
      // A fresh small array per service (cheaper than resetting `length`, a runtime call in V8),
      // taking its KUBE-SERVICES pieces and then its chain rules: one array and one join per
      // service, the block's array holding one flat string per service, not its pieces.
      const pieces: string[] = [];
      sink.head = pieces;
      sink.rules = pieces;
      const headEnd = emitServicePort(svc, eps, this.cfg, this.node, sink);
      let hl = 0;
      for (let i = 0; i < headEnd; i++) hl += (pieces[i] as string).length;
      const text = pieces.join('');
      if (text !== '') full.push(text);
      if (hl > 0) this.heads?.push(text.slice(0, hl));
      this.h += hl;
      this.f += text.length;
      this.d += chainDeclarationsLength(chains, c0);
      let n = this.fl;
      for (let i = fl0; i < filter.length; i++) n += (filter[i] as string).length;
      this.fl = n;
    }
  }

  /** Copies positions [from, to) of `old` (same positions) as one slice per section. */
  copy(old: BlockText, from: number, to: number): void {
    this.flushChains();
    const o = old.off;
    const off = this.off;
    const b0 = 4 * from;
    const dh = this.h - (o[b0] ?? 0);
    const df = this.f - (o[b0 + 1] ?? 0);
    const dd = this.d - (o[b0 + 2] ?? 0);
    const dfl = this.fl - (o[b0 + 3] ?? 0);
    for (let j = from; j < to; j++) {
      off[4 * j] = (o[4 * j] ?? 0) + dh;
      off[4 * j + 1] = (o[4 * j + 1] ?? 0) + df;
      off[4 * j + 2] = (o[4 * j + 2] ?? 0) + dd;
      off[4 * j + 3] = (o[4 * j + 3] ?? 0) + dfl;
    }
    const e0 = 4 * to;
    const hEnd = o[e0] ?? 0;
    const fEnd = o[e0 + 1] ?? 0;
    const dEnd = o[e0 + 2] ?? 0;
    const flEnd = o[e0 + 3] ?? 0;
    if (fEnd > (o[b0 + 1] ?? 0)) this.full.push(old.full.slice(o[b0 + 1] ?? 0, fEnd));
    if (dEnd > (o[b0 + 2] ?? 0)) this.decls.push(old.decls.slice(o[b0 + 2] ?? 0, dEnd));
    if (flEnd > (o[b0 + 3] ?? 0)) this.filter.push(old.filter.slice(o[b0 + 3] ?? 0, flEnd));
    if (this.heads !== undefined && hEnd > (o[b0] ?? 0)) this.heads.push(old.heads.slice(o[b0] ?? 0, hEnd));
    this.h = hEnd + dh;
    this.f = fEnd + df;
    this.d = dEnd + dd;
    this.fl = flEnd + dfl;
  }

  /**
   * The finished text. Joined, not concatenated: block texts are kept and copied into every node's
   * restore text, so they must be flat (a rope would be walked again by every node that uses the block).
   */
  finish(epoch: number, version: number, large: boolean, svcs: readonly (ServicePortInfo | undefined)[], eps: readonly (readonly EndpointInfo[] | undefined)[]): BlockText {
    this.mark(this.size);
    this.flushChains();
    const text = new BlockText(epoch, version, large, this.full.join(''), this.decls.join(''), this.filter.join(''), svcs, eps, this.off, this.heads?.join(''));
    clearScratch(this.scratch);
    return text;
  }

  /** Declares the chains of the positions rendered since the last flush, in one piece. */
  private flushChains(): void {
    if (this.chains.length === 0) return;
    this.decls.push(chainDeclarations(this.chains));
    this.chains.length = 0;
  }

  /** Records where position k starts in each section. */
  private mark(k: number): void {
    const off = this.off;
    off[4 * k] = this.h;
    off[4 * k + 1] = this.f;
    off[4 * k + 2] = this.d;
    off[4 * k + 3] = this.fl;
  }
}
