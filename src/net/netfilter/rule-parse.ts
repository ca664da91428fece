import { InputError } from '../../lib/index.js';
import type { Hook } from '../hooks.js';
import { buildIpHeader, parseProto, type IpHeaderSpec } from './match/ip-header.js';
import type { BuildCtx, MatchModule, ParsedOpt } from './match/module.js';
import { MATCH_MODULES } from './match/registry.js';
import type { TargetModule } from './target/module.js';
import { TARGET_MODULES } from './target/registry.js';
import { chainTarget } from './target/standard.js';
import { PortMatch } from './match/port-match.js';
import type { StatisticRandomMatch } from './match/statistic.js';
import { ParsedRule } from './rule.js';
import type { Match, Rule, RuleWhere, Target } from './types.js';
import { BUILTIN_CHAINS } from './types.js';

export const PARSE_ERROR = 'KW_NETFILTER_PARSE';

export function parseError(lineNo: number, message: string): InputError {
  return new InputError(PARSE_ERROR, `line ${lineNo}: ${message}`);
}

interface Slot {
  readonly module: MatchModule;
  readonly implicit: boolean;
  readonly opts: ParsedOpt[];
}

const HEADER_FLAGS: Readonly<Record<string, keyof IpHeaderSpec>> = {
  '-s': 'src',
  '--source': 'src',
  '--src': 'src',
  '-d': 'dst',
  '--destination': 'dst',
  '--dst': 'dst',
  '-i': 'inIf',
  '--in-interface': 'inIf',
  '-o': 'outIf',
  '--out-interface': 'outIf',
  '-p': 'proto',
  '--protocol': 'proto',
};

const PROTO_MODULES: Readonly<Record<number, string>> = { 6: 'tcp', 17: 'udp', 132: 'sctp' };

function owns(m: { options: Readonly<Record<string, number>>; aliases?: Readonly<Record<string, string>> }, name: string): string | undefined {
  if (Object.hasOwn(m.options, name)) return name;
  const a = m.aliases?.[name];
  return a !== undefined && Object.hasOwn(m.options, a) ? a : undefined;
}

const NO_MATCHES: readonly Match[] = [];

/** Per-restore sharing: every rule jumping to the same chain gets the same target object. */
export interface ParseIntern {
  readonly targets: Map<string, Target>;
  /** `--probability` literal → its (non-inverted) statistic match. */
  readonly statistics: Map<string, StatisticRandomMatch>;
}

export function newIntern(): ParseIntern {
  return { targets: new Map(), statistics: new Map() };
}

/**
 * Parses a rule specification (the arguments after `-A CHAIN`) the way iptables does: `!`
 * inverts the next option; `-m` loads a match whose options may come later in the line; an
 * option no loaded module owns loads the `-p` protocol's match implicitly (`-p tcp --dport 80`);
 * `-j` names a target extension or a chain. Chain existence is checked by the caller.
 */
export function parseRule(args: readonly string[], where: RuleWhere, text: string): Rule {
  return parseRuleArgs(args, 0, where, text, args, undefined);
}

/**
 * parseRule over `args[from..]`; `spec` is what the rule reports as its arguments (the array, or
 * how many tokens of its text to skip when re-tokenizing lazily).
 */
export function parseRuleArgs(args: readonly string[], from: number, where: RuleWhere, text: string, spec: readonly string[] | number, intern: ParseIntern | undefined): Rule {
  const fail = (message: string): never => {
    throw parseError(where.lineNo, message);
  };
  const header: IpHeaderSpec = {};
  const slots: Slot[] = [];
  let target: { name: string; goto: boolean; module: TargetModule | undefined; opts: ParsedOpt[] } | undefined;
  let invert = false;
  let proto: number | undefined;
  const value = (i: number, flag: string): string => {
    const v = args[i];
    if (v === undefined) return fail(`option "${flag}" requires an argument`);
    return v;
  };
  for (let i = from; i < args.length; i++) {
    const tok = args[i] ?? '';
    if (tok === '!') {
      if (invert) fail('multiple "!" flags not allowed');
      invert = true;
      continue;
    }
    const hf = HEADER_FLAGS[tok];
    if (hf !== undefined) {
      if (header[hf] !== undefined) fail(`multiple ${tok} flags not allowed`);
      const v = value(++i, tok);
      header[hf] = { text: v, invert };
      if (hf === 'proto') proto = parseProto(v, { where, proto: undefined, fail });
      invert = false;
      continue;
    }
    if (tok === '-m' || tok === '--match') {
      if (invert) fail('unexpected "!" before -m');
      const name = value(++i, tok);
      const module = MATCH_MODULES.get(name);
      if (module === undefined) return fail(`unknown match "${name}" (-m ${name}) in rule for chain ${where.chain}`);
      slots.push({ module, implicit: false, opts: [] });
      continue;
    }
    if (tok === '-j' || tok === '--jump' || tok === '-g' || tok === '--goto') {
      if (invert) fail(`unexpected "!" before ${tok}`);
      if (target !== undefined) fail('multiple -j flags not allowed');
      const name = value(++i, tok);
      const goto = tok === '-g' || tok === '--goto';
      const module = goto ? undefined : TARGET_MODULES.get(name);
      target = { name, goto, module, opts: [] };
      continue;
    }
    if (!tok.startsWith('--') || tok.length < 3) return fail(`bad argument "${tok}"`);
    const name = tok.slice(2);
    let opts: ParsedOpt[] | undefined;
    let canonical: string | undefined;
    let arity = 0;
    if (target?.module !== undefined) {
      canonical = owns(target.module, name);
      if (canonical !== undefined) {
        opts = target.opts;
        arity = target.module.options[canonical] ?? 0;
      }
    }
    for (const s of opts === undefined ? slots : []) {
      const c = owns(s.module, name);
      if (c !== undefined) {
        opts = s.opts;
        canonical = c;
        arity = s.module.options[c] ?? 0;
        break;
      }
    }
    if (opts === undefined && proto !== undefined) {
      const pm = MATCH_MODULES.get(PROTO_MODULES[proto] ?? '');
      const c = pm === undefined ? undefined : owns(pm, name);
      if (pm !== undefined && c !== undefined) {
        const slot: Slot = { module: pm, implicit: true, opts: [] };
        slots.push(slot);
        opts = slot.opts;
        canonical = c;
        arity = pm.options[c] ?? 0;
      }
    }
    if (opts === undefined || canonical === undefined) {
      const owner = target !== undefined ? ` (target ${target.name}${target.module === undefined ? ', a chain, takes no options' : ''})` : '';
      return fail(`unknown option "${tok}"${owner}`);
    }
    const values: string[] = [];
    for (let k = 0; k < arity; k++) values.push(value(++i, tok));
    opts.push({ name: canonical, invert, values });
    invert = false;
  }
  if (invert) fail('"!" at the end of the rule');

  const b: BuildCtx = { where, proto, fail };
  const builtin = (BUILTIN_CHAINS[where.table] as readonly string[]).includes(where.chain) ? (where.chain as Hook) : undefined;
  if (builtin !== undefined) {
    if (header.inIf !== undefined && (builtin === 'OUTPUT' || builtin === 'POSTROUTING')) fail(`Can't use -i with ${builtin}`);
    if (header.outIf !== undefined && (builtin === 'PREROUTING' || builtin === 'INPUT')) fail(`Can't use -o with ${builtin}`);
  }
  const matches: Match[] = [];
  const h = buildIpHeader(header, b);
  if (h !== undefined) matches.push(h);
  for (const s of slots) {
    const m = s.module.build(s.opts, b);
    // Only tcp/udp/sctp load implicitly, and they build PortMatch.
    if (s.implicit && m instanceof PortMatch) m.implicit = true;
    matches.push(m);
  }
  let t: Target | undefined;
  if (target !== undefined) {
    const mod = target.module;
    if (mod === undefined) {
      if (target.name.length > 28) fail(`chain name "${target.name}" is longer than 28 characters`);
      const key = target.goto ? `-g ${target.name}` : target.name;
      const shared = intern?.targets.get(key);
      if (shared !== undefined) t = shared;
      else {
        t = chainTarget(target.name, target.goto);
        intern?.targets.set(key, t);
      }
    } else {
      if (mod.tables !== undefined && !mod.tables.includes(where.table)) fail(`target ${mod.name} is only valid in the ${mod.tables.join('/')} table, not ${where.table}`);
      if (mod.hooks !== undefined && builtin !== undefined && !mod.hooks.includes(builtin)) fail(`target ${mod.name} cannot be used in chain ${builtin} (only ${mod.hooks.join(', ')})`);
      t = mod.build(target.opts, b);
    }
  }
  // An exact-size copy: a pushed-to array keeps spare capacity, and there are 100k of these.
  return new ParsedRule(matches.length === 0 ? NO_MATCHES : matches.slice(), t, text, where.lineNo, spec);
}

/** The rule's arguments as iptables-save 1.8.9 prints them (after `-A CHAIN`). */
export function ruleSaveArgs(rule: Rule): string[] {
  const out: string[] = [];
  for (const m of rule.matches) {
    if (m.module !== '') out.push('-m', m.module);
    out.push(...m.saveArgs);
  }
  const t = rule.target;
  if (t !== undefined) out.push(t.goto ? '-g' : '-j', t.name, ...t.saveArgs);
  return out;
}
