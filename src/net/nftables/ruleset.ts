import { InputError } from '../../lib/index.js';
import { RuleSyntaxError, parseRule, ruleText, tokenize } from './rule.js';
import { type NftBaseChain, type NftChain, type NftElement, type NftExpr, type NftRule, type NftSet, type NftTable, type NftVerdict, PRIORITY_NAMES, priorityNameApplies, priorityText, verdictText } from './types.js';

function durationText(s: number): string {
  const parts: string[] = [];
  let r = s;
  for (const [u, n] of [['d', 86400], ['h', 3600], ['m', 60]] as const) {
    if (r >= n) {
      parts.push(`${Math.floor(r / n)}${u}`);
      r %= n;
    }
  }
  if (r > 0 || parts.length === 0) parts.push(`${r}s`);
  return parts.join('');
}

function parseDuration(t: string): number | undefined {
  const m = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(t);
  if (m === null || t === '') return undefined;
  return Number(m[1] ?? 0) * 86400 + Number(m[2] ?? 0) * 3600 + Number(m[3] ?? 0) * 60 + Number(m[4] ?? 0);
}

function elementText(e: NftElement): string {
  return `${e.key.join(' . ')}${e.comment === undefined ? '' : ` comment "${e.comment}"`}${e.value === undefined ? '' : ` : ${verdictText(e.value)}`}`;
}

/** `nft list ruleset` of one table, in nft's layout: sets and maps first, then chains. */
export function printNftTable(t: NftTable): string {
  const out: string[] = [`table ${t.family} ${t.name} {`];
  if (t.comment !== undefined) out.push(`\tcomment "${t.comment}"`);
  for (const s of t.sets.values()) {
    out.push(`\t${s.map ? 'map' : 'set'} ${s.name} {`);
    out.push(`\t\ttype ${s.keyType}${s.map ? ' : verdict' : ''}`);
    if (s.size !== undefined) out.push(`\t\tsize ${s.size}`);
    if (s.flags.length > 0) out.push(`\t\tflags ${s.flags.join(',')}`);
    if (s.timeout !== undefined) out.push(`\t\ttimeout ${durationText(s.timeout)}`);
    if (s.comment !== undefined) out.push(`\t\tcomment "${s.comment}"`);
    if (s.elements.length > 0) out.push(`\t\telements = { ${s.elements.map(elementText).join(',\n\t\t\t     ')} }`);
    out.push('\t}');
    out.push('');
  }
  for (const c of t.chains.values()) {
    out.push(`\tchain ${c.name} {`);
    if (c.comment !== undefined) out.push(`\t\tcomment "${c.comment}"`);
    if (c.base !== undefined) out.push(`\t\ttype ${c.base.type} hook ${c.base.hook} priority ${priorityText(c.base.priority, c.base.hook)}; policy ${c.base.policy};`);
    for (const r of c.rules) out.push(`\t\t${r.text}`);
    out.push('\t}');
    out.push('');
  }
  if (out.at(-1) === '') out.pop();
  out.push('}');
  return `${out.join('\n')}\n`;
}

export function makeRule(text: string): NftRule {
  const { exprs, comment } = parseRule(text);
  return { exprs, comment, text: ruleText(exprs, comment) };
}

/** A rule written as nft prints it: its text is kept, its expressions parsed when first read. */
class PrintedRule implements NftRule {
  private parsed: { exprs: NftExpr[]; comment: string | undefined } | undefined;
  constructor(readonly text: string) {}
  get exprs(): readonly NftExpr[] {
    return (this.parsed ??= parseRule(this.text)).exprs;
  }
  get comment(): string | undefined {
    return (this.parsed ??= parseRule(this.text)).comment;
  }
}

/**
 * makeRule for text its writer already produces in `nft list`'s form (ruleText(parseRule(text))
 * === text; the nftables proxier's tests check this for every rule it renders): no parse until a
 * packet or a caller reads the expressions. At 10,000 Services most of the ~50,000 rules are only
 * printed, never evaluated.
 */
export function printedRule(text: string): NftRule {
  return new PrintedRule(text);
}

class Fail extends Error {
  constructor(readonly lineNo: number, msg: string) {
    super(msg);
  }
}

const HOOKS = ['prerouting', 'input', 'forward', 'output', 'postrouting'] as const;

/**
 * Parses `nft list ruleset` text (the `ip` tables; kube-proxy's layout) into tables. Errors throw
 * InputError KW_NFT_PARSE naming the line; nothing is returned half-parsed.
 */
export function parseNftRuleset(text: string, where = 'nft list ruleset'): NftTable[] {
  const lines = text.split('\n');
  const tables: NftTable[] = [];
  let i = 0;
  const fail = (msg: string): never => {
    throw new Fail(i, msg);
  };
  const line = (): string => (lines[i - 1] ?? '').trim();
  // Joins a line with the continuation lines of an open `{ … }` (nft wraps long element lists).
  const logical = (): string => {
    let s = line();
    let depth = (s.match(/{/g) ?? []).length - (s.match(/}/g) ?? []).length;
    while (depth > 0 && !s.endsWith('{') && i < lines.length) {
      i++;
      const l = line();
      s += ` ${l}`;
      depth += (l.match(/{/g) ?? []).length - (l.match(/}/g) ?? []).length;
    }
    return s;
  };
  try {
    while (i < lines.length) {
      i++;
      const l = line();
      if (l === '' || l.startsWith('#')) continue;
      const tm = /^table (ip|ip6|inet|arp|bridge|netdev) (\S+) \{$/.exec(l);
      if (tm === null) fail(`expected "table ip <name> {", got "${l}"`);
      if (tm?.[1] !== 'ip') fail(`only the ip family is modelled, not ${tm?.[1] ?? ''}`);
      const name = tm?.[2] ?? '';
      let comment: string | undefined;
      const sets = new Map<string, NftSet>();
      const chains = new Map<string, NftChain>();
      for (;;) {
        if (i >= lines.length) fail(`table ${name} is not closed`);
        i++;
        const b = line();
        if (b === '') continue;
        if (b === '}') break;
        const cm = /^comment "(.*)"$/.exec(b);
        if (cm !== null) {
          comment = cm[1];
          continue;
        }
        const sm = /^(set|map) (\S+) \{$/.exec(b);
        if (sm !== null) {
          const isMap = sm[1] === 'map';
          const sname = sm[2] ?? '';
          let keyType = '';
          let flags: string[] = [];
          let timeout: number | undefined;
          let size: number | undefined;
          let scomment: string | undefined;
          let elements: NftElement[] = [];
          for (;;) {
            if (i >= lines.length) fail(`${sm[1]} ${sname} is not closed`);
            i++;
            const s = logical();
            if (s === '}') break;
            if (s.startsWith('type ')) {
              keyType = s.slice(5);
              if (isMap) {
                if (!keyType.endsWith(' : verdict')) fail(`map ${sname}: only verdict maps are modelled`);
                keyType = keyType.slice(0, -' : verdict'.length);
              }
            } else if (s.startsWith('flags ')) flags = s.slice(6).split(',').map((x) => x.trim());
            else if (s.startsWith('timeout ')) timeout = parseDuration(s.slice(8)) ?? fail(`bad timeout "${s.slice(8)}"`);
            else if (s.startsWith('comment ')) scomment = /^comment "(.*)"$/.exec(s)?.[1] ?? fail(`bad comment "${s}"`);
            else if (s.startsWith('elements = ')) elements = parseElements(s.slice('elements = '.length), isMap, fail);
            else if (s.startsWith('size ')) size = /^size (\d+)$/.exec(s)?.[1] !== undefined ? Number(s.slice(5)) : fail(`bad size "${s.slice(5)}"`);
            else if (s.startsWith('gc-interval ') || s.startsWith('policy ')) continue;
            else fail(`unexpected "${s}" in ${sm[1]} ${sname}`);
          }
          if (keyType === '') fail(`${sm[1]} ${sname} has no type`);
          sets.set(sname, { name: sname, map: isMap, keyType, flags, timeout, ...(size === undefined ? {} : { size }), comment: scomment, elements });
          continue;
        }
        const chm = /^chain (\S+) \{$/.exec(b);
        if (chm === null) fail(`expected set, map, chain or "}", got "${b}"`);
        const cname = chm?.[1] ?? '';
        let base: NftBaseChain | undefined;
        let ccomment: string | undefined;
        const rules: NftRule[] = [];
        for (;;) {
          if (i >= lines.length) fail(`chain ${cname} is not closed`);
          i++;
          const r = logical();
          if (r === '') continue;
          if (r === '}') break;
          const bm = /^type (filter|nat|route) hook (\w+)(?: device \S+)? priority ([^;]+);(?: policy (accept|drop);)?$/.exec(r);
          if (bm !== null) {
            const hook = bm[2] as (typeof HOOKS)[number];
            if (!HOOKS.includes(hook)) fail(`unknown hook "${bm[2] ?? ''}"`);
            const prio = parsePriority(bm[3] ?? '', hook);
            if (typeof prio === 'string') fail(`chain ${cname}: ${prio}`);
            base = { type: bm[1] as NftBaseChain['type'], hook, priority: typeof prio === 'number' ? prio : 0, policy: (bm[4] ?? 'accept') as 'accept' | 'drop' };
            continue;
          }
          const ccm = /^comment "(.*)"$/.exec(r);
          if (ccm !== null) {
            ccomment = ccm[1];
            continue;
          }
          try {
            rules.push(makeRule(r.replace(/ # handle \d+$/, '')));
          } catch (e) {
            if (e instanceof RuleSyntaxError) fail(`chain ${cname}: ${e.message}`);
            throw e;
          }
        }
        chains.set(cname, { name: cname, base, comment: ccomment, rules });
      }
      tables.push({ family: 'ip', name, comment, sets, chains });
    }
    // References must resolve, as nft checks when loading.
    for (const t of tables) {
      for (const c of t.chains.values()) {
        for (const r of c.rules) {
          for (const e of r.exprs) {
            const refs: string[] = [];
            if (e.op === 'verdict' && (e.verdict.kind === 'jump' || e.verdict.kind === 'goto')) refs.push(e.verdict.chain);
            if ((e.op === 'vmap' && typeof e.map !== 'string') || e.op === 'numgen') for (const v of (e.map as ReadonlyMap<string, NftVerdict>).values()) if (v.kind === 'jump' || v.kind === 'goto') refs.push(v.chain);
            for (const ch of refs) if (!t.chains.has(ch)) throw new Fail(0, `chain ${c.name}: rule "${r.text}" refers to chain ${ch}, which does not exist`);
            const set = e.op === 'in-set' || e.op === 'update' ? e.set : e.op === 'vmap' && typeof e.map === 'string' ? e.map : undefined;
            if (set !== undefined && !t.sets.has(set)) throw new Fail(0, `chain ${c.name}: rule "${r.text}" refers to set ${set}, which does not exist`);
          }
        }
      }
    }
  } catch (e) {
    if (e instanceof Fail) throw new InputError('KW_NFT_PARSE', `${e.lineNo > 0 ? `line ${e.lineNo}: ` : ''}${e.message}`, { where });
    throw e;
  }
  return tables;
}

/**
 * A base chain priority, in either form nft prints: a number (`-110`), or a standard name with an
 * optional offset (`dstnat - 10`). A name is refused where no nft release accepts it for the hook
 * (`srcnat` at prerouting), as nft refuses it; `dstnat` at output is accepted since nft >= 1.0.8
 * prints it so, although nft 1.0.6 prints and accepts only the number there.
 */
function parsePriority(t: string, hook: string): number | string {
  // nft's scanner takes `-` as part of a word, so `dstnat-10` is one (unknown) name: a minus needs a space before it.
  const m = /^(-?\d+)$|^([a-z]+)(?:(\s+-|\s*\+)\s*(\d+))?$/.exec(t.trim());
  if (m === null) return `bad priority "${t}"${/^[a-z]+-\d+$/.test(t.trim()) ? ' (nft reads "name-10" as one word: write "name - 10")' : ''}`;
  if (m[1] !== undefined) return Number(m[1]);
  const name = m[2] ?? '';
  const base = PRIORITY_NAMES[name];
  if (base === undefined) return `unknown priority name "${name}" (known: ${Object.keys(PRIORITY_NAMES).join(', ')})`;
  if (!priorityNameApplies(name, hook, '1.0.8')) return `priority "${name}" is not valid at hook ${hook} (nft: "invalid priority expression value in this context")`;
  return base + (m[3] === undefined ? 0 : (m[3].trim() === '-' ? -1 : 1) * Number(m[4]));
}

function parseElements(text: string, isMap: boolean, fail: (m: string) => never): NftElement[] {
  const t = tokenize(text) ?? fail('unterminated quote in elements');
  if (t[0] !== '{' || t.at(-1) !== '}') fail('elements must be enclosed in { }');
  const out: NftElement[] = [];
  let cur: string[] = [];
  const flush = (): void => {
    if (cur.length === 0) return;
    const key: string[] = [];
    let j = 0;
    while (j < cur.length && cur[j] !== ':' && cur[j] !== 'comment') {
      if (cur[j] !== '.') key.push(cur[j] ?? '');
      j++;
    }
    let comment: string | undefined;
    if (cur[j] === 'comment') {
      comment = (cur[j + 1] ?? '').replace(/^"|"$/g, '');
      j += 2;
    }
    let value: NftVerdict | undefined;
    if (isMap) {
      if (cur[j] !== ':') fail(`map element "${cur.join(' ')}" has no verdict`);
      const v = cur[j + 1];
      if (v === 'jump' || v === 'goto') value = { kind: v, chain: cur[j + 2] ?? fail('verdict without a chain') };
      else if (v === 'drop' || v === 'accept' || v === 'return' || v === 'reject') value = { kind: v };
      else fail(`"${v ?? ''}" is not a verdict`);
    }
    out.push({ key, value, comment });
    cur = [];
  };
  for (const w of t.slice(1, -1)) {
    if (w === ',') flush();
    else cur.push(w);
  }
  flush();
  return out;
}
