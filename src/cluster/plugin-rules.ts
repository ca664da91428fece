import { BUILTIN_CHAINS, isTableName, type Netfilter, type TableName } from '../net/index.js';

/**
 * Where the CNI plugins' rules sit among the kubelet's and kube-proxy's on a real node. Those two write their jumps
 * into the built-in chains when the node boots, before any pod; each plugin then either appends to a built-in chain
 * (bridge's ipMasq jump, portmap's CNI-HOSTPORT-DNAT jumps) or inserts at its top (portmap's CNI-HOSTPORT-MASQ jump,
 * `-I POSTROUTING 1`), and kube-proxy's later syncs leave jumps that already exist where they are. So a built-in
 * chain ends up as: the rules plugins inserted at the top (newest first), then the node's own, then the rules plugins
 * appended (oldest first).
 *
 * The plugins' rules are kept in a netfilter of their own (so a node's kube-proxy can be re-rendered without them);
 * that netfilter's built-in chains always read [top-inserted…, appended…], since an insert at the top goes before
 * everything and an append after everything. A top-inserted rule still carries the line that made it (`-I CHAIN 1 …`
 * or `-I CHAIN …`), which is how the boundary is found.
 */
export function mergePluginRules(nodeSave: string, plugins: Netfilter): string {
  const pluginSave = parseSave(plugins.iptablesSave());
  const node = parseSave(nodeSave);
  const out: string[] = [];
  const tables = [...node.keys(), ...[...pluginSave.keys()].filter((t) => !node.has(t))];
  for (const name of tables) {
    const n = node.get(name) ?? emptyTable(name);
    const p = pluginSave.get(name);
    out.push(`*${name}`, ...n.decls);
    if (p === undefined) {
      out.push(...n.builtinRules.flatMap(([, lines]) => lines), ...n.userRules, 'COMMIT');
      continue;
    }
    const known = new Set(n.decls.map(chainOfDecl));
    const builtin = new Set<string>(BUILTIN_CHAINS[name]);
    out.push(...p.decls.filter((d) => !builtin.has(chainOfDecl(d)) && !known.has(chainOfDecl(d))));
    for (const chain of BUILTIN_CHAINS[name]) {
      const own = n.builtinRules.find(([c]) => c === chain)?.[1] ?? [];
      const theirs = p.builtinRules.find(([c]) => c === chain)?.[1] ?? [];
      const top = topInserted(plugins, name, chain);
      out.push(...theirs.slice(0, top), ...own, ...theirs.slice(top));
    }
    out.push(...n.userRules, ...p.userRules, 'COMMIT');
  }
  return `${out.join('\n')}\n`;
}

/** Whether the plugins wrote any rule at all (chains alone change no packet's path, and merge nothing worth a reload). */
export function writesRules(plugins: Netfilter): boolean {
  return Object.values(plugins.ruleset.tables).some((t) => [...t.chains.values()].some((c) => c.rules.length > 0));
}

/** How many rules at the head of a built-in chain of the plugins' netfilter were inserted at its top. */
function topInserted(plugins: Netfilter, table: TableName, chain: string): number {
  const rules = plugins.ruleset.tables[table].chains.get(chain)?.rules ?? [];
  const head = new RegExp(`^(-I|--insert) ${chain}( 1)?( |$)`);
  let n = 0;
  while (n < rules.length && head.test(rules[n]?.text ?? '')) n++;
  return n;
}

interface SavedTable {
  /** `:CHAIN POLICY [p:b]` lines, built-in chains first, as the save printed them. */
  readonly decls: string[];
  /** Each built-in chain's `-A` lines. */
  readonly builtinRules: [string, string[]][];
  /** Every user chain's `-A` lines, in the save's order. */
  readonly userRules: string[];
}

function emptyTable(name: TableName): SavedTable {
  return { decls: BUILTIN_CHAINS[name].map((c) => `:${c} ACCEPT [0:0]`), builtinRules: [], userRules: [] };
}

function chainOfDecl(line: string): string {
  return line.slice(1, line.indexOf(' '));
}

/** An iptables-save text by table; comment lines are dropped (the merged text is read by iptables-restore). */
function parseSave(text: string): Map<TableName, SavedTable> {
  const out = new Map<TableName, SavedTable>();
  let cur: SavedTable | undefined;
  let builtin: ReadonlySet<string> = new Set();
  for (const line of text.split('\n')) {
    if (line.startsWith('*')) {
      const name = line.slice(1);
      if (!isTableName(name)) throw new Error(`iptables-save printed an unknown table ${name}`);
      cur = { decls: [], builtinRules: [], userRules: [] };
      builtin = new Set<string>(BUILTIN_CHAINS[name]);
      out.set(name, cur);
    } else if (cur === undefined || line === '' || line.startsWith('#') || line === 'COMMIT') {
      continue;
    } else if (line.startsWith(':')) {
      cur.decls.push(line);
    } else if (line.startsWith('-A ')) {
      const chain = line.slice(3, line.indexOf(' ', 3) < 0 ? undefined : line.indexOf(' ', 3));
      if (!builtin.has(chain)) {
        cur.userRules.push(line);
        continue;
      }
      let entry = cur.builtinRules.find(([c]) => c === chain);
      if (entry === undefined) cur.builtinRules.push((entry = [chain, []]));
      entry[1].push(line);
    }
  }
  return out;
}
