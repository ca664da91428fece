import { InputError } from '../../../lib/index.js';

/**
 * kube-proxy's test normalisation (proxier_test.go sortIPTablesRules over
 * pkg/util/iptables/testing/parse.go): Go map iteration makes Service order random, so dumps are
 * compared after sorting tables by name; chains KUBE-NODEPORTS, KUBE-SERVICES, other KUBE-*
 * alphabetically, then the rest; rules of KUBE-NODEPORTS / KUBE-SERVICES stable-sorted by the
 * Service name in their comment (the "must be the last rule" rule stays last). Output is
 * IPTablesDump.String(): chain lines, rules chain by chain, then `-X` lines, COMMIT.
 */
interface DumpChain {
  readonly name: string;
  readonly counters: string;
  readonly rules: string[];
  deleted: boolean;
}
interface DumpTable {
  readonly name: string;
  readonly chains: DumpChain[];
}

function bad(msg: string): InputError {
  return new InputError('KW_PROXY_BAD_DUMP', msg, { where: 'iptables dump' });
}

export function parseDump(data: string): DumpTable[] {
  const tables: DumpTable[] = [];
  let t: DumpTable | undefined;
  // Chains by name for the open table: a linear scan per rule made a 10,000-Service dump quadratic.
  let byName = new Map<string, DumpChain>();
  let inDecls = false;
  for (const raw of data.replace(/^\n+|\n+$/g, '').split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (t === undefined) {
      if (!line.startsWith('*')) throw bad(`table ${tables.length + 1} starts with "${line}", not a table name`);
      t = { name: line.slice(1), chains: [] };
      tables.push(t);
      byName = new Map();
      inDecls = true;
      continue;
    }
    const decl = inDecls ? /^:(\S*) - \[(\d*):(\d*)\]$/.exec(line) : null;
    if (decl !== null) {
      const c: DumpChain = { name: decl[1] ?? '', counters: `${decl[2] ?? '0'}:${decl[3] ?? '0'}`, rules: [], deleted: false };
      t.chains.push(c);
      // parse.go's lookup finds the first chain of that name.
      if (!byName.has(c.name)) byName.set(c.name, c);
      continue;
    }
    inDecls = false;
    const add = /^-A (\S*) (.*)$/.exec(line);
    const del = /^-X (.*)$/.exec(line);
    if (add !== null) {
      const c = byName.get(add[1] ?? '');
      if (c === undefined) throw bad(`error parsing rule "${line}": no such chain "${add[1] ?? ''}"`);
      if (c.deleted) throw bad(`cannot add rules to deleted chain "${c.name}"`);
      c.rules.push(line);
    } else if (del !== null) {
      const c = byName.get(del[1] ?? '');
      if (c === undefined) throw bad(`error parsing rule "${line}": no such chain "${del[1] ?? ''}"`);
      if (c.rules.length !== 0) throw bad(`cannot delete chain "${c.name}" after adding rules`);
      c.deleted = true;
    } else if (line === 'COMMIT') {
      t = undefined;
    } else {
      throw bad(`error parsing rule "${line}"`);
    }
  }
  if (t !== undefined) throw bad('could not parse iptables data (no COMMIT line?)');
  return tables;
}

export function dumpString(tables: readonly DumpTable[]): string {
  let s = '';
  for (const t of tables) {
    s += `*${t.name}\n`;
    for (const c of t.chains) s += `:${c.name} - [${c.counters}]\n`;
    for (const c of t.chains) for (const r of c.rules) s += `${r}\n`;
    for (const c of t.chains) if (c.deleted) s += `-X ${c.name}\n`;
    s += 'COMMIT\n';
  }
  return s;
}

/** The value of `--comment`, split into words as parse.go's wordRegex does (quotes stripped). */
export function ruleComment(rule: string): string | undefined {
  const words: string[] = [];
  for (const m of rule.matchAll(/(?:^|\s)("[^"]*"|[^"]\S*)/g)) words.push((m[1] ?? '').replace(/^"+|"+$/g, ''));
  const i = words.indexOf('--comment');
  return i >= 0 && i + 1 < words.length ? words[i + 1] : undefined;
}

function serviceOfComment(c: string): string {
  const i = c.search(/[ :]/);
  return i === -1 ? c : c.slice(0, i);
}

function byServiceName(a: string, b: string): number {
  const ca = ruleComment(a);
  const cb = ruleComment(b);
  if (ca === undefined || cb === undefined) return 0;
  const na = serviceOfComment(ca);
  const nb = serviceOfComment(cb);
  return na < nb ? -1 : na > nb ? 1 : 0;
}

function chainRank(name: string): [number, string] {
  if (name === 'KUBE-NODEPORTS') return [0, ''];
  if (name === 'KUBE-SERVICES') return [1, ''];
  return [name.startsWith('KUBE-') ? 2 : 3, name];
}

export function sortIPTablesRules(data: string): string {
  const tables = parseDump(data).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const t of tables) {
    t.chains.sort((a, b) => {
      const [ra, na] = chainRank(a.name);
      const [rb, nb] = chainRank(b.name);
      return ra !== rb ? ra - rb : na < nb ? -1 : na > nb ? 1 : 0;
    });
    if (t.name !== 'filter' && t.name !== 'nat') continue;
    for (const c of t.chains) {
      if (c.name === 'KUBE-NODEPORTS' || (c.name === 'KUBE-SERVICES' && t.name !== 'nat')) c.rules.sort(byServiceName);
      else if (c.name === 'KUBE-SERVICES') {
        const last = (r: string): boolean => ruleComment(r)?.includes('must be the last rule') === true;
        c.rules.sort((a, b) => (last(a) ? (last(b) ? 0 : 1) : last(b) ? -1 : byServiceName(a, b)));
      }
    }
  }
  return dumpString(tables);
}
