import { single } from '../match/module.js';
import { saveQuote } from '../tokenize.js';
import type { Target } from '../types.js';
import { TR } from '../types.js';
import type { TargetModule } from './module.js';

const LEVELS: Readonly<Record<string, number>> = { emerg: 0, alert: 1, crit: 2, error: 3, warning: 4, warn: 4, notice: 5, info: 6, debug: 7 };
const FLAGS = ['log-tcp-sequence', 'log-tcp-options', 'log-ip-options', 'log-uid', 'log-macdecode'] as const;

/** `-j LOG [--log-prefix P] [--log-level L] [--log-*]`: logs and continues; iptables-save omits the default level 4. */
export const logTarget: TargetModule = {
  name: 'LOG',
  options: { 'log-prefix': 1, 'log-level': 1, 'log-tcp-sequence': 0, 'log-tcp-options': 0, 'log-ip-options': 0, 'log-uid': 0, 'log-macdecode': 0 },
  build(opts, b): Target {
    const o = single(opts, b);
    const prefix = o.get('log-prefix')?.values[0];
    if (prefix !== undefined && prefix.length > 29) b.fail('LOG: maximum prefix length 29 for --log-prefix');
    const lv = o.get('log-level')?.values[0];
    const level = lv === undefined ? 4 : /^[0-7]$/.test(lv) ? Number(lv) : LEVELS[lv.toLowerCase()] ?? b.fail(`LOG: log level "${lv}" unknown`);
    const save: string[] = [];
    if (prefix !== undefined) save.push('--log-prefix', saveQuote(prefix));
    if (level !== 4) save.push('--log-level', `${level}`);
    for (const f of FLAGS) if (o.has(f)) save.push(`--${f}`);
    const note = `LOG level ${level}${prefix === undefined ? '' : ` prefix "${prefix}"`}`;
    return {
      name: 'LOG',
      goto: false,
      saveArgs: save,
      apply: (ctx) => {
        ctx.note = note;
        return TR.Continue;
      },
    };
  },
};
