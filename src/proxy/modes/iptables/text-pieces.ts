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

/**
 * The bytes of a restore text, written piece by piece into one buffer reused across syncs, as
 * kube-proxy reuses its `iptablesData` bytes.Buffer (proxier.go: Reset() then write, then pipe to
 * iptables-restore). Writing the pieces of a partial sync (~1.7 MB at 10,000 Services, mostly
 * KUBE-SERVICES) is one copy into memory already mapped; flattening the same rope into a string
 * allocates a fresh 1.7 MB string every sync, and that allocation costs more than the copy.
 */
export class RestoreBytes {
  private buf: Buffer = Buffer.allocUnsafe(1 << 16);

  /**
   * Writes `pieces` (joined, the restore text) as UTF-8 and returns them as a view of the shared
   * buffer: valid until the next call.
   */
  write(pieces: readonly string[]): Buffer {
    let at = 0;
    for (const p of pieces) {
      // Kubernetes names and IPs are ASCII, so one byte per character nearly always; a piece
      // with wider characters is measured and written again.
      if (at + p.length > this.buf.length) this.grow(at, at + p.length);
      const n = this.buf.write(p, at, 'utf8');
      if (n !== p.length) {
        const need = Buffer.byteLength(p, 'utf8');
        if (n < need) {
          this.grow(at, at + need);
          this.buf.write(p, at, 'utf8');
        }
        at += need;
      } else at += n;
    }
    return this.buf.subarray(0, at);
  }

  private grow(used: number, need: number): void {
    const next = Buffer.allocUnsafe(Math.max(need, this.buf.length * 2));
    this.buf.copy(next, 0, 0, used);
    this.buf = next;
  }
}
