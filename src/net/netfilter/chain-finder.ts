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

/** The length and two characters of the name text[a, a + len), as one number. */
function nameTag(text: string, a: number, len: number): number {
  return (len << 24) | (text.charCodeAt(a + len - 1) << 12) | text.charCodeAt(a + (len < 9 ? 0 : len - 9));
}

/** How many recently found chains find compares before hashing. */
const RECENT = 8;
/**
 * How many chains lookup finds through the Map before it builds its hash table (hashing every
 * chain's name: ~40,000 for kube-proxy's 10,000 Services, while its order needs ~150 lookups).
 */
const MAP_LOOKUPS = 1024;
/** How far ahead of `next` a chain found by hashing is looked for in the declarations. */
const RESYNC = 8;

/**
 * Finds a table block's chains (the restore's drafts) by a name that is a stretch of the restore
 * input: no Map lookup (a hash of a fresh string, then a cache miss per key compared) for most
 * of the ~150,000 chain names a kube-proxy node's rules mention. The Map stays the authority;
 * this only remembers where its values were found.
 */
export class ChainFinder<D extends { readonly name: string }> {
  /** Chains by a hash of their name (nameSlot). Built on first use. */
  private slots: (D | undefined)[] | undefined;
  /** The chains find returned last, most recent first, with their names' tags (nameTag). */
  private readonly recent: (D | undefined)[] = new Array<D | undefined>(RECENT).fill(undefined);
  private readonly recentTags = new Int32Array(RECENT);
  /**
   * The chains declared in this block, in order, and the next one not yet found. kube-proxy
   * declares chains in the order its rules first name them (KUBE-SERVICES jumps to KUBE-SVC-X,
   * whose rules jump to its KUBE-SEP-s), so a chain named for the first time is nearly always
   * `order[next]`: found by one comparison, no hash table touched.
   */
  private order: D[] = [];
  private next = 0;
  /** Lookups answered by the Map so far (see MAP_LOOKUPS). */
  private mapLookups = 0;

  constructor(private readonly chains: ReadonlyMap<string, D>) {}

  /** Forgets what was found (call when a chain is deleted from the Map). */
  reset(): void {
    this.slots = undefined;
    this.recent.fill(undefined);
    this.order = [];
    this.next = 0;
    this.mapLookups = 0;
  }

  /** A chain just created by the block (see `order`). */
  declared(d: D): void {
    this.order.push(d);
  }

  /** The chain named text[a, b), if the Map has one. */
  find(text: string, a: number, b: number): D | undefined {
    // Most lookups name a chain looked up a moment ago (the chain a rule just jumped to gets its
    // own rules next; KUBE-MARK-MASQ every few lines): those are found without hashing.
    // (Candidates are told apart by tag, from this line's characters: a chain's name lies far
    // away in the input, at its declaration, and reading it is a cache miss. A candidate is then
    // compared as a string, `===` on the name cut out of the line: V8 compares the characters
    // natively, about twice as fast as startsWith or a charCodeAt loop in place.)
    const recent = this.recent;
    const tags = this.recentTags;
    const len = b - a;
    const tag = nameTag(text, a, len);
    // Cut out when first compared (a recent chain is only compared when its tag matches).
    let name: string | undefined;
    for (let i = 0; i < RECENT; i++) {
      const r = recent[i];
      if (tags[i] === tag && r !== undefined && r.name === (name ??= text.slice(a, b))) {
        // Moved to the front, the others shifted down (least recently used last: a swap with
        // the front instead let a chain named once per Service, KUBE-SERVICES, drift out).
        for (let k = i; k > 0; k--) {
          recent[k] = recent[k - 1];
          tags[k] = tags[k - 1] ?? 0;
        }
        recent[0] = r;
        tags[0] = tag;
        return r;
      }
    }
    name ??= text.slice(a, b);
    let d = this.order[this.next];
    if (d !== undefined && d.name === name) this.next++;
    else {
      d = this.lookup(text, a, b, name);
      // Back in step when the chain found is a little further along the declarations.
      for (let k = this.next; d !== undefined && k < this.next + RESYNC && k < this.order.length; k++) {
        if (this.order[k] === d) {
          this.next = k + 1;
          break;
        }
      }
    }
    if (d !== undefined) {
      for (let i = RECENT - 1; i > 0; i--) {
        recent[i] = recent[i - 1];
        tags[i] = tags[i - 1] ?? 0;
      }
      recent[0] = d;
      tags[0] = tag;
    }
    return d;
  }

  /** The chain `name` (= text[a, b)): from the Map, or once it was asked often, the hash table of slots first. */
  private lookup(text: string, a: number, b: number, name: string): D | undefined {
    if (this.slots === undefined && this.mapLookups < MAP_LOOKUPS) {
      this.mapLookups++;
      return this.chains.get(name);
    }
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
    if (d !== undefined && d.name === name) return d;
    const found = this.chains.get(name);
    if (found !== undefined) slots[i] = found;
    return found;
  }
}
