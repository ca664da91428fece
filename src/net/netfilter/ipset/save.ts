import { InputError } from '../../../lib/index.js';
import { splitArgs } from '../tokenize.js';
import { Ipset, memberText, parseMember } from './ipset.js';
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
 * A set being restored: members gathered in a mutable list and key set, the immutable Ipset built once at the end.
 * (Building a new Ipset per `add` line copied every member each time: quadratic, ~14 s for IPVS mode's sets at
 * 10,000 Services.) Deleted members leave holes that are squeezed out when the set is built, keeping add order.
 */
class SetDraft {
  private readonly members: (string | undefined)[];
  private readonly index = new Map<string, number>();
  constructor(readonly name: string, readonly type: IpsetType, readonly createOptions: readonly string[], members: readonly string[]) {
    this.members = [...members];
    this.members.forEach((m, i) => m !== undefined && this.index.set(m, i));
  }
  static of(s: Ipset): SetDraft {
    return new SetDraft(s.name, s.type, s.createOptions, s.members);
  }
  /** The member's canonical text, or undefined when it is not a valid member of this set's type. */
  key(text: string): string | undefined {
    const dims = parseMember(this.type, text);
    return dims === undefined ? undefined : memberText(dims);
  }
  has(key: string): boolean {
    return this.index.has(key);
  }
  add(key: string): void {
    if (this.index.has(key)) return;
    this.index.set(key, this.members.length);
    this.members.push(key);
  }
  del(key: string): void {
    const at = this.index.get(key);
    if (at === undefined) return;
    this.members[at] = undefined;
    this.index.delete(key);
  }
  build(): Ipset {
    return new Ipset(this.name, this.type, this.createOptions, this.members.filter((m): m is string => m !== undefined));
  }
}

/**
 * `ipset restore` over a registry: `create NAME TYPE [options]`, `add NAME MEMBER`, `del`,
 * `flush [NAME]`, `destroy [NAME]`; `-exist` (or `-!`) as a line's last word ignores "already
 * exists" / "not present" errors. All-or-nothing: errors name the line and nothing is applied.
 */
export function ipsetRestore(reg: Ipsets, text: string, opts: { exist?: boolean } = {}): Ipsets {
  const sets = new Map<string, Ipset | SetDraft>(reg.all().map((s) => [s.name, s]));
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
    const need = (): SetDraft => {
      const s = name === undefined ? undefined : sets.get(name);
      if (s === undefined) return fail(lineNo, `the set with the given name "${name ?? ''}" does not exist`);
      if (s instanceof SetDraft) return s;
      const d = SetDraft.of(s);
      sets.set(s.name, d);
      return d;
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
        sets.set(name, new SetDraft(name, t, options.length === 0 && t !== 'bitmap:port' ? DEFAULT_HASH_OPTIONS : options, []));
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
        const key = set.key(member);
        if (key !== undefined && adding && set.has(key) && !exist) fail(lineNo, `element ${member} is already added to set ${set.name}`);
        if (!adding && (key === undefined || !set.has(key)) && !exist) fail(lineNo, `element ${member} is not added to set ${set.name}`);
        if (key === undefined) fail(lineNo, `"${member}" is not a valid ${set.type} member`);
        if (adding) set.add(key);
        else set.del(key);
        return;
      }
      case 'flush':
      case '-F':
        for (const s of name === undefined ? [...sets.values()] : [need()]) sets.set(s.name, new SetDraft(s.name, s.type, s.createOptions, []));
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
  return new Ipsets(new Map([...sets].map(([n, d]) => [n, d instanceof SetDraft ? d.build() : d])));
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
