/**
 * One array for every equal list of objects (equal: the same objects in the same order), found by walking a trie of
 * WeakMaps keyed by the elements.
 *
 * Why: 5,000 nodes whose hooks hold the same handlers would otherwise each keep their own copy of every handler
 * list (and of the table of lists), and a trace crossing two random nodes reads two cold copies at every hook.
 * The lists are immutable (a change makes a new one), so equal lists may be one array. Weak keys: the trie keeps a
 * list only while its elements live.
 */
export class InternedLists<T extends object> {
  private readonly root: TrieNode<T> = { list: undefined, next: undefined };

  /** The interned array equal to `list` (`list` itself the first time such a list is seen). */
  intern(list: readonly T[]): readonly T[] {
    let node = this.root;
    for (const x of list) {
      node.next ??= new WeakMap();
      let child = node.next.get(x);
      if (child === undefined) {
        child = { list: undefined, next: undefined };
        node.next.set(x, child);
      }
      node = child;
    }
    node.list ??= list;
    return node.list;
  }
}

interface TrieNode<T extends object> {
  list: readonly T[] | undefined;
  next: WeakMap<T, TrieNode<T>> | undefined;
}
