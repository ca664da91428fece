import type { Match } from '../types.js';
import { type MatchModule, noInvert, single } from './module.js';
import { saveQuote } from '../tokenize.js';

/** `-m comment --comment TEXT`: always matches; iptables-save quotes the text (xtables_save_string). */
export const commentMatch: MatchModule = {
  name: 'comment',
  options: { comment: 1 },
  build(opts, b): Match {
    const o = single(opts, b).get('comment');
    noInvert(o, b);
    const text = o?.values[0];
    if (text === undefined) return b.fail('comment: --comment is required');
    if (text.length > 255) b.fail('comment: comment may not exceed 255 characters');
    return {
      module: 'comment',
      implicit: false,
      // Quoted lazily: only printing needs it, and kube-proxy dumps carry a comment per rule.
      get saveArgs(): string[] {
        return ['--comment', saveQuote(text)];
      },
      evaluate: () => true,
    };
  },
};
