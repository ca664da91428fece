/**
 * A slot for the chain name s[a, b) in ChainFinder's table: a hash of every character
 * (kube-proxy's names differ in their hash part, the bench's in the middle and at the end).
 */
function nameSlot(s: string, a: number, b: number, mask: number): number {
  // FNV-1a, then a multiplicative mix so the low bits (the slot) depend on every character.
  let h = 0x811c9dc5;
  for (let i = a; i < b; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ (h >>> 16), 0x45d9f3b);
  return (h ^ (h >>> 16)) & mask;
}

/** How many recently found chains find compares before hashing. */
const RECENT = 4;

/**
 * Finds a table block's chains (the restore's drafts) by a name that is a stretch of the restore
 * input, comparing characters in place: no substring and no Map lookup per line for the ~150,000
 * chain names a kube-proxy node's rules mention. The Map stays the authority; this only
 * remembers where its values were found.
 */
export class ChainFinder<D extends { readonly name: string }> {
  /** Chains by a hash of their name (nameSlot). Built on first use. */
  private slots: (D | undefined)[] | undefined;
  /** The chains find returned last, most recent first. */
  private readonly recent: (D | undefined)[] = new Array<D | undefined>(RECENT).fill(undefined);

  constructor(private readonly chains: ReadonlyMap<string, D>) {}

  /** Forgets what was found (call when a chain is deleted from the Map). */
  reset(): void {
    this.slots = undefined;
    this.recent.fill(undefined);
  }

  /** The chain named text[a, b), if the Map has one. */
  find(text: string, a: number, b: number): D | undefined {
    // Most lookups name a chain looked up a moment ago (the chain a rule just jumped to gets its
    // own rules next; KUBE-MARK-MASQ every few lines): those are compared in place, unhashed.
    const recent = this.recent;
    const len = b - a;
    for (let i = 0; i < RECENT; i++) {
      const r = recent[i];
      if (r !== undefined && r.name.length === len && text.startsWith(r.name, a)) {
        if (i > 0) {
          recent[i] = recent[0];
          recent[0] = r;
        }
        return r;
      }
    }
    const d = this.lookup(text, a, b);
    if (d !== undefined) {
      for (let i = RECENT - 1; i > 0; i--) recent[i] = recent[i - 1];
      recent[0] = d;
    }
    return d;
  }

  private lookup(text: string, a: number, b: number): D | undefined {
    let slots = this.slots;
    if (slots === undefined || this.chains.size * 2 > slots.length) {
      let n = 1024;
      while (n < this.chains.size * 4) n *= 2;
      slots = new Array<D | undefined>(n).fill(undefined);
      for (const d of this.chains.values()) slots[nameSlot(d.name, 0, d.name.length, n - 1)] = d;
      this.slots = slots;
    }
    const i = nameSlot(text, a, b, slots.length - 1);
    const d = slots[i];
    if (d !== undefined && d.name.length === b - a && text.startsWith(d.name, a)) return d;
    const found = this.chains.get(text.slice(a, b));
    if (found !== undefined) slots[i] = found;
    return found;
  }
}
