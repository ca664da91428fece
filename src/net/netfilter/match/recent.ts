import { ip4ToString, tryParseIp4 } from '../../../addr/index.js';
import type { Match } from '../types.js';
import { type MatchModule, noInvert, single } from './module.js';

/**
 * `-m recent` (xt_recent) over per-path lists in NfState.recent: name → address → last seen (ms).
 * `--set` records the address and always matches; `--rcheck` matches when the address is listed
 * (and, with `--seconds`, was seen less than that long ago); `--update` is `--rcheck` that also
 * refreshes the time on a match; `--remove` matches and deletes. `--reap` prunes stale entries.
 * Only the last-seen time is kept, so `--hitcount` is not supported.
 */
export const recentMatch: MatchModule = {
  name: 'recent',
  options: { set: 0, rcheck: 0, update: 0, remove: 0, seconds: 1, reap: 0, rttl: 0, name: 1, mask: 1, rsource: 0, rdest: 0 },
  build(opts, b): Match {
    const o = single(opts, b);
    const cmds = (['set', 'rcheck', 'update', 'remove'] as const).filter((c) => o.has(c));
    const [cmd, extra] = cmds;
    if (cmd === undefined || extra !== undefined) return b.fail('recent: you must specify one of --set, --rcheck, --update or --remove');
    let invert = false;
    for (const x of opts) {
      if (x.invert && x.name !== cmd) b.fail(`recent: "!" is not allowed before --${x.name}`);
      if (x.invert) invert = true;
    }
    for (const x of ['seconds', 'reap', 'rttl', 'name', 'mask', 'rsource', 'rdest']) noInvert(o.get(x), b);
    const secText = o.get('seconds')?.values[0];
    const seconds = secText === undefined ? 0 : /^\d+$/.test(secText) ? Number(secText) : b.fail(`recent: bad --seconds "${secText}"`);
    if (o.has('reap') && seconds === 0) b.fail('recent: --reap requires --seconds');
    if ((cmd === 'set' || cmd === 'remove') && (seconds !== 0 || o.has('reap'))) b.fail(`recent: --seconds and --reap cannot be used with --${cmd}`);
    const name = o.get('name')?.values[0] ?? 'DEFAULT';
    const maskText = o.get('mask')?.values[0] ?? '255.255.255.255';
    const mask = tryParseIp4(maskText) ?? b.fail(`recent: bad --mask "${maskText}"`);
    if (o.has('rsource') && o.has('rdest')) b.fail('recent: --rsource and --rdest are exclusive');
    const dest = o.has('rdest');
    const save = [...(invert ? ['!'] : []), `--${cmd}`];
    if (seconds !== 0) save.push('--seconds', `${seconds}`);
    if (o.has('reap')) save.push('--reap');
    if (o.has('rttl')) save.push('--rttl');
    save.push('--name', name, '--mask', ip4ToString(mask), dest ? '--rdest' : '--rsource');
    const windowMs = seconds * 1000;
    return {
      module: 'recent',
      implicit: false,
      saveArgs: save,
      evaluate: (ctx) => {
        const addr = ((dest ? ctx.skb.packet.dst : ctx.skb.packet.src) & mask) >>> 0;
        const lists = ctx.state.recent;
        const list = lists.get(name);
        const seen = list?.get(addr);
        const write = (f: (m: Map<number, number>) => void): void => {
          const m = new Map(list ?? []);
          f(m);
          const next = new Map(lists);
          next.set(name, m);
          ctx.state = ctx.state.withRecent(next);
        };
        if (cmd === 'set') {
          write((m) => m.set(addr, ctx.nowMs));
          return !invert;
        }
        if (seen === undefined) return invert;
        if (cmd === 'remove') {
          write((m) => m.delete(addr));
          return !invert;
        }
        // xt_recent: a stamp counts when it is after now - seconds.
        const fresh = windowMs === 0 || seen > ctx.nowMs - windowMs;
        const matched = fresh !== invert;
        if (o.has('reap') && !fresh) write((m) => m.delete(addr));
        else if (cmd === 'update' && matched) write((m) => m.set(addr, ctx.nowMs));
        return matched;
      },
    };
  },
};
