import { FlatRule } from './flat-rule.js';
import { probabilityText, type StatisticRandomMatch } from './match/statistic.js';
import type { Match, Rule } from './types.js';

const TWO_31 = 2n ** 31n;

const notes = new WeakMap<Match, string>();

/**
 * The hop text explaining a rule's random pick: `stat` when the walker knows the rule's statistic match (a FlatRule's,
 * or the plan's), else found among the rule's matches (cached per statistic match: it is built with bigints).
 */
export function statisticNote(stat: StatisticRandomMatch | undefined, rule: Rule | undefined): string {
  if (stat !== undefined) {
    if (stat.walkNote === undefined) stat.walkNote = buildStatisticNote(stat);
    return stat.walkNote;
  }
  if (rule === undefined || rule instanceof FlatRule) return '';
  const m = rule.matches.find((x) => x.probability !== undefined);
  if (m === undefined) return '';
  let n = notes.get(m);
  if (n === undefined) {
    n = buildStatisticNote(m);
    notes.set(m, n);
  }
  return n;
}

function buildStatisticNote(m: Match): string {
  const p = m.probability;
  if (p === undefined) return '';
  const kernel = p.den === TWO_31 ? ` = ${probabilityText(Number(p.num))}` : '';
  return ` [statistic random: probability ${p.toString()}${kernel}, written --probability ${m.probabilityText ?? '?'}]`;
}
