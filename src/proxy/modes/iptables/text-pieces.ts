/**
 * Assembling a node's restore text from shared flat chunks without copying them.
 *
 * A node's iptables-restore text is mostly text every node shares (the default renderings of all
 * Service ports, kept per block in one flat string per section). Joining it (`Array#join`) copies
 * every character for every node: ~1.8 MiB per node at 400 Services x 15 endpoints, ~45 MiB at
 * 10,000, i.e. a cost of nodes x Services. Instead a node's text is built from
 *  - whole block sections, as they are;
 *  - runs of consecutive positions inside a block cut out with `slice` (V8 makes a sliced string
 *    pointing into the block's text, no copy, from 13 characters up);
 *  - the node's own pieces (its node-specific variants, deleted chains, fixed lines);
 * concatenated with `+` into a balanced tree, so the cost is one small node per piece and the
 * number of pieces grows with blocks plus node-specific services, not with Services. Whoever reads
 * the text (iptables-restore's parser) flattens it once, as it would read a joined string once.
 */
export class TextPieces {
  readonly parts: string[] = [];
  private src: string | undefined;
  private start = 0;
  private end = 0;

  /** Appends `text` (after any pending run). */
  add(text: string): void {
    if (text === '') return;
    this.flush();
    this.parts.push(text);
  }

  /** Appends `src[start, end)`; adjacent ranges of the same source merge into one slice. */
  range(src: string, start: number, end: number): void {
    if (end <= start) return;
    if (this.src === src && this.end === start) {
      this.end = end;
      return;
    }
    this.flush();
    this.src = src;
    this.start = start;
    this.end = end;
  }

  /** Ends the pending run; call before reading `parts`. */
  flush(): void {
    if (this.src === undefined) return;
    const s = this.src;
    this.parts.push(this.start === 0 && this.end === s.length ? s : s.slice(this.start, this.end));
    this.src = undefined;
  }
}

/**
 * `parts.join('')` as a balanced tree of concatenations (depth log2(parts)): no character is
 * copied here, and a reader flattening it walks a shallow tree.
 */
export function concatPieces(parts: readonly string[]): string {
  const n = parts.length;
  if (n === 0) return '';
  let level: string[] = parts.filter((p) => p !== '');
  while (level.length > 1) {
    const next: string[] = [];
    for (let i = 0; i < level.length; i += 2) {
      const a = level[i] ?? '';
      const b = level[i + 1];
      next.push(b === undefined ? a : a + b);
    }
    level = next;
  }
  return level[0] ?? '';
}
