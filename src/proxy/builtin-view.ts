/**
 * A rule kube-proxy installs from a built-in chain with EnsureRule (`iptables -C`, then `-I` to
 * prepend or `-A` to append). Every mode but nftables keeps such jumps in the nat/filter hooks.
 */
export interface BuiltinJump {
  readonly table: 'nat' | 'filter';
  readonly from: string;
  readonly args: string;
  readonly position: 'prepend' | 'append';
}

const BUILTINS: Readonly<Record<'filter' | 'nat', readonly string[]>> = {
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
};

/**
 * The node's iptables as iptables-save would list them after a mode's sync: built-in chains with
 * their ensured jumps (the last prepended first), then the mode's own chains and rules from its
 * restore text (`*table`, `:CHAIN`, `-A` lines), filter before nat.
 */
export function nodeViewWithJumps(restore: string, jumps: readonly BuiltinJump[]): string {
  const decls = new Map<string, string[]>();
  const rules = new Map<string, string[]>();
  let table = '';
  for (const line of restore.split('\n')) {
    if (line.startsWith('*')) table = line.slice(1);
    else if (line.startsWith(':')) (decls.get(table) ?? decls.set(table, []).get(table))?.push(line);
    else if (line.startsWith('-A ')) (rules.get(table) ?? rules.set(table, []).get(table))?.push(line);
  }
  let out = '';
  for (const t of ['filter', 'nat'] as const) {
    const builtin = new Map<string, string[]>(BUILTINS[t].map((c) => [c, []]));
    for (const j of jumps) {
      if (j.table !== t) continue;
      const l = builtin.get(j.from) ?? [];
      const text = `-A ${j.from} ${j.args}`;
      if (l.includes(text)) continue;
      if (j.position === 'prepend') l.unshift(text);
      else l.push(text);
      builtin.set(j.from, l);
    }
    out += `*${t}\n`;
    for (const c of BUILTINS[t]) out += `:${c} ACCEPT [0:0]\n`;
    for (const d of decls.get(t) ?? []) out += `${d}\n`;
    for (const c of BUILTINS[t]) for (const r of builtin.get(c) ?? []) out += `${r}\n`;
    for (const r of rules.get(t) ?? []) out += `${r}\n`;
    out += 'COMMIT\n';
  }
  return out;
}
