import { InputError } from '../../../lib/index.js';
import { splitArgs } from '../tokenize.js';
import { Ipset } from './ipset.js';
import { IPSET_TYPES, type IpSet, type IpsetRegistry, type IpsetType } from './types.js';

/** An immutable registry of ipsets; `restore` returns a new one. */
export class Ipsets implements IpsetRegistry {
  static readonly EMPTY = new Ipsets(new Map());
  constructor(private readonly sets: ReadonlyMap<string, Ipset>) {}
  get(name: string): IpSet | undefined {
    return this.sets.get(name);
  }
  names(): readonly string[] {
    return [...this.sets.keys()];
  }
  all(): readonly Ipset[] {
    return [...this.sets.values()];
  }
}

function fail(lineNo: number, msg: string): never {
  throw new InputError('KW_IPSET_PARSE', `line ${lineNo}: ${msg}`);
}

const DEFAULT_HASH_OPTIONS = ['family', 'inet', 'hashsize', '1024', 'maxelem', '65536'];

/**
 * `ipset restore` over a registry: `create NAME TYPE [options]`, `add NAME MEMBER`, `del`,
 * `flush [NAME]`, `destroy [NAME]`; `-exist` (or `-!`) as a line's last word ignores "already
 * exists" / "not present" errors. All-or-nothing: errors name the line and nothing is applied.
 */
export function ipsetRestore(reg: Ipsets, text: string, opts: { exist?: boolean } = {}): Ipsets {
  const sets = new Map<string, Ipset>(reg.all().map((s) => [s.name, s]));
  const lines = text.split('\n');
  lines.forEach((raw, idx) => {
    const lineNo = idx + 1;
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    if (line === 'COMMIT') return;
    const args = splitArgs(line) ?? fail(lineNo, 'unterminated quote');
    let exist = opts.exist === true;
    while (args.at(-1) === '-exist' || args.at(-1) === '-!') {
      args.pop();
      exist = true;
    }
    const [cmd, name, ...rest] = args;
    const need = (): Ipset => {
      const s = name === undefined ? undefined : sets.get(name);
      return s ?? fail(lineNo, `the set with the given name "${name ?? ''}" does not exist`);
    };
    switch (cmd) {
      case 'create':
      case '-N':
      case 'n': {
        if (name === undefined || name.length > 31) fail(lineNo, `bad set name "${name ?? ''}" (1-31 characters)`);
        const [type, ...options] = rest;
        if (!(IPSET_TYPES as readonly string[]).includes(type ?? '')) fail(lineNo, `unknown set type "${type ?? ''}"`);
        const t = type as IpsetType;
        if (sets.has(name)) {
          if (!exist) fail(lineNo, `set "${name}" already exists`);
          return;
        }
        if (t === 'bitmap:port' && !options.includes('range')) fail(lineNo, 'bitmap:port needs "range FROM-TO"');
        sets.set(name, new Ipset(name, t, options.length === 0 && t !== 'bitmap:port' ? DEFAULT_HASH_OPTIONS : options, []));
        return;
      }
      case 'add':
      case '-A':
      case 'a':
      case 'del':
      case '-D':
      case 'd': {
        const set = need();
        const [member, ...extra] = rest;
        if (member === undefined) fail(lineNo, `${cmd} needs a member`);
        if (extra.length > 0 && extra[0] !== 'timeout' && extra[0] !== 'comment') fail(lineNo, `unexpected "${extra.join(' ')}"`);
        const adding = cmd === 'add' || cmd === '-A' || cmd === 'a';
        if (adding && set.has(member) && !exist) fail(lineNo, `element ${member} is already added to set ${set.name}`);
        if (!adding && !set.has(member) && !exist) fail(lineNo, `element ${member} is not added to set ${set.name}`);
        const next = adding ? set.withMember(member) : set.withoutMember(member);
        if (next === undefined) fail(lineNo, `"${member}" is not a valid ${set.type} member`);
        sets.set(set.name, next);
        return;
      }
      case 'flush':
      case '-F':
        for (const s of name === undefined ? [...sets.values()] : [need()]) sets.set(s.name, new Ipset(s.name, s.type, s.createOptions, []));
        return;
      case 'destroy':
      case '-X':
      case 'x':
        if (name === undefined) sets.clear();
        else {
          need();
          sets.delete(name);
        }
        return;
      default:
        fail(lineNo, `unknown command "${cmd ?? ''}"`);
    }
  });
  return new Ipsets(sets);
}

/** `ipset save` text: a create line then the add lines of each set. */
export function ipsetSave(reg: Ipsets): string {
  const out: string[] = [];
  for (const s of reg.all()) {
    out.push(['create', s.name, s.type, ...s.createOptions].join(' '));
    for (const m of s.members) out.push(`add ${s.name} ${m}`);
  }
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}
