import { type NftExpr, type NftSelector, type NftVerdict, verdictText } from './types.js';

/** Splits nft text into words, `{`, `}`, `,` and quoted strings (kept with their quotes). */
export function tokenize(text: string): string[] | undefined {
  const out: string[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13) {
      i++;
    } else if (c === 34) {
      const j = text.indexOf('"', i + 1);
      if (j < 0) return undefined;
      out.push(text.slice(i, j + 1));
      i = j + 1;
    } else if (c === 123 || c === 125 || c === 44) {
      out.push(c === 123 ? '{' : c === 125 ? '}' : ',');
      i++;
    } else {
      let j = i + 1;
      for (; j < n; j++) {
        const d = text.charCodeAt(j);
        if (d === 32 || d === 9 || d === 10 || d === 13 || d === 34 || d === 123 || d === 125 || d === 44) break;
      }
      out.push(text.slice(i, j));
      i = j;
    }
  }
  return out;
}

const SELECTORS: readonly NftSelector[] = ['ip saddr', 'ip daddr', 'meta l4proto', 'th dport', 'tcp dport', 'udp dport', 'sctp dport'];

export class RuleSyntaxError extends Error {}

/** Parses one rule's text (as `nft list` prints it, or as kube-proxy writes it) into expressions. */
export function parseRule(text: string): { exprs: NftExpr[]; comment: string | undefined } {
  const t = tokenize(text);
  if (t === undefined) throw new RuleSyntaxError('unterminated quote');
  let i = 0;
  const peek = (k = 0): string | undefined => t[i + k];
  const next = (what: string): string => {
    const v = t[i++];
    if (v === undefined) throw new RuleSyntaxError(`expected ${what} at the end of the rule`);
    return v;
  };
  const expect = (w: string): void => {
    const v = next(`"${w}"`);
    if (v !== w) throw new RuleSyntaxError(`expected "${w}", got "${v}"`);
  };
  const selector = (): NftSelector | undefined => {
    const two = `${peek() ?? ''} ${peek(1) ?? ''}`;
    if ((SELECTORS as readonly string[]).includes(two)) {
      i += 2;
      return two as NftSelector;
    }
    return undefined;
  };
  const verdict = (): NftVerdict => {
    const v = next('a verdict');
    if (v === 'jump' || v === 'goto') return { kind: v, chain: next('a chain name') };
    if (v === 'accept' || v === 'drop' || v === 'return' || v === 'continue' || v === 'reject') return { kind: v };
    throw new RuleSyntaxError(`"${v}" is not a verdict`);
  };
  const vmapBody = (): Map<string, NftVerdict> => {
    expect('{');
    const m = new Map<string, NftVerdict>();
    for (;;) {
      const k = next('a key');
      if (k === '}') break;
      expect(':');
      m.set(k, verdict());
      const sep = next('"," or "}"');
      if (sep === '}') break;
      if (sep !== ',') throw new RuleSyntaxError(`expected "," or "}", got "${sep}"`);
    }
    return m;
  };
  const num = (s: string): number => {
    const v = Number(s);
    if (!Number.isFinite(v)) throw new RuleSyntaxError(`"${s}" is not a number`);
    return v;
  };
  const exprs: NftExpr[] = [];
  let comment: string | undefined;
  while (i < t.length) {
    const w = peek() ?? '';
    if (w === 'comment') {
      i++;
      const c = next('a comment');
      comment = c.startsWith('"') ? c.slice(1, -1) : c;
      continue;
    }
    if (w === 'ct' && peek(1) === 'state') {
      i += 2;
      exprs.push({ op: 'ct-state', states: next('states').split(',') });
      continue;
    }
    if (w === 'fib') {
      const dir = t[i + 1];
      if ((dir !== 'saddr' && dir !== 'daddr') || t[i + 2] !== 'type') throw new RuleSyntaxError(`unsupported fib expression near "${t.slice(i, i + 4).join(' ')}"`);
      i += 3;
      const neg = peek() === '!=';
      if (neg) i++;
      expect('local');
      exprs.push({ op: 'fib', dir, neg });
      continue;
    }
    if (w === 'numgen') {
      i++;
      expect('random');
      expect('mod');
      const mod = num(next('a modulus'));
      expect('vmap');
      exprs.push({ op: 'numgen', mod, map: vmapBody() });
      continue;
    }
    if (w === 'meta' && peek(1) === 'mark') {
      i += 2;
      const op = next('"set" or "&"');
      if (op === 'set') {
        expect('meta');
        expect('mark');
        const fn = next('"|" or "^"');
        if (fn !== '|' && fn !== '^') throw new RuleSyntaxError(`unsupported mark operation "${fn}"`);
        exprs.push({ op: 'mark-set', fn, value: num(next('a mark')) });
      } else if (op === '&') {
        const mask = num(next('a mask'));
        const cmp = next('"==" or "!="');
        if (cmp !== '==' && cmp !== '!=') throw new RuleSyntaxError(`expected == or !=, got "${cmp}"`);
        exprs.push({ op: 'mark-and', mask, value: num(next('a value')), neg: cmp === '!=' });
      } else throw new RuleSyntaxError(`unsupported meta mark expression "${op}"`);
      continue;
    }
    if (w === 'update') {
      i++;
      const set = next('a set');
      if (!set.startsWith('@')) throw new RuleSyntaxError(`expected @set after update, got "${set}"`);
      expect('{');
      const sel = selector();
      if (sel === undefined) throw new RuleSyntaxError('expected a selector in update');
      expect('}');
      exprs.push({ op: 'update', set: set.slice(1), sel });
      continue;
    }
    if (w === 'masquerade') {
      i++;
      const fr = peek() === 'fully-random';
      if (fr) i++;
      exprs.push({ op: 'masquerade', fullyRandom: fr });
      continue;
    }
    if (w === 'dnat') {
      i++;
      if (peek() === 'ip') i++;
      expect('to');
      const target = next('an address');
      const m = /^(\d+\.\d+\.\d+\.\d+)(?::(\d+))?$/.exec(target);
      if (m === null) throw new RuleSyntaxError(`bad dnat target "${target}"`);
      exprs.push({ op: 'dnat', addr: m[1] ?? '', port: m[2] === undefined ? undefined : Number(m[2]) });
      continue;
    }
    if (w === 'counter') {
      i++;
      if (peek() === 'packets') i += 4;
      exprs.push({ op: 'counter' });
      continue;
    }
    if (['accept', 'drop', 'return', 'continue', 'reject', 'jump', 'goto'].includes(w)) {
      exprs.push({ op: 'verdict', verdict: verdict() });
      continue;
    }
    const sel = selector();
    if (sel === undefined) throw new RuleSyntaxError(`unsupported expression near "${t.slice(i, i + 3).join(' ')}"`);
    if (peek() === '.') {
      const key: NftSelector[] = [sel];
      while (peek() === '.') {
        i++;
        const s = selector();
        if (s === undefined) throw new RuleSyntaxError('expected a selector after "."');
        key.push(s);
      }
      expect('vmap');
      if (peek() === '{') exprs.push({ op: 'vmap', key, map: vmapBody() });
      else {
        const m = next('a map');
        if (!m.startsWith('@')) throw new RuleSyntaxError(`expected @map, got "${m}"`);
        exprs.push({ op: 'vmap', key, map: m.slice(1) });
      }
      continue;
    }
    if (peek() === 'vmap') {
      i++;
      const m = next('a map');
      exprs.push({ op: 'vmap', key: [sel], map: m.startsWith('@') ? m.slice(1) : (i--, vmapBody()) });
      continue;
    }
    const neg = peek() === '!=';
    if (neg || peek() === '==') i++;
    const v = next('a value');
    if (v.startsWith('@')) exprs.push({ op: 'in-set', sel, neg, set: v.slice(1) });
    else if (v === '{') {
      const values: string[] = [];
      for (;;) {
        const x = next('a value');
        if (x === '}') break;
        if (x !== ',') values.push(x);
      }
      exprs.push({ op: 'cmp', sel, neg, values });
    } else exprs.push({ op: 'cmp', sel, neg, values: [v] });
  }
  return { exprs, comment };
}

const hex = (v: number): string => `0x${v.toString(16).padStart(8, '0')}`;
const mapText = (m: ReadonlyMap<string, NftVerdict>): string => `{ ${[...m].map(([k, v]) => `${k} : ${verdictText(v)}`).join(', ')} }`;

/** One expression as `nft list` prints it. */
export function exprText(e: NftExpr): string {
  switch (e.op) {
    case 'ct-state':
      return `ct state ${e.states.join(',')}`;
    case 'cmp':
      return `${e.sel} ${e.neg ? '!= ' : ''}${e.values.length === 1 ? (e.values[0] ?? '') : `{ ${e.values.join(', ')} }`}`;
    case 'in-set':
      return `${e.sel} ${e.neg ? '!= ' : ''}@${e.set}`;
    case 'fib':
      return `fib ${e.dir} type ${e.neg ? '!= ' : ''}local`;
    case 'mark-and':
      return `meta mark & ${hex(e.mask)} ${e.neg ? '!=' : '=='} ${hex(e.value)}`;
    case 'vmap':
      return `${e.key.join(' . ')} vmap ${typeof e.map === 'string' ? `@${e.map}` : mapText(e.map)}`;
    case 'numgen':
      return `numgen random mod ${e.mod} vmap ${mapText(e.map)}`;
    case 'mark-set':
      return `meta mark set meta mark ${e.fn} ${hex(e.value)}`;
    case 'update':
      return `update @${e.set} { ${e.sel} }`;
    case 'masquerade':
      return e.fullyRandom ? 'masquerade fully-random' : 'masquerade';
    case 'dnat':
      return `dnat to ${e.addr}${e.port === undefined ? '' : `:${e.port}`}`;
    case 'counter':
      return 'counter packets 0 bytes 0';
    case 'verdict':
      return verdictText(e.verdict);
  }
}

export function ruleText(exprs: readonly NftExpr[], comment: string | undefined): string {
  return exprs.map(exprText).join(' ') + (comment === undefined ? '' : ` comment "${comment}"`);
}
