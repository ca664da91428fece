import type { Match } from '../types.js';
import { type MatchModule, noInvert, single } from './module.js';
import { saveQuote } from '../tokenize.js';

/** One comment: only its text is kept (kube-proxy dumps carry a comment on every rule). */
export class CommentMatch implements Match {
  readonly module = 'comment';
  readonly implicit = false;

  constructor(readonly text: string) {}

  /** Quoted only when printed (xtables_save_string). */
  get saveArgs(): string[] {
    return ['--comment', saveQuote(this.text)];
  }

  evaluate(): boolean {
    return true;
  }
}

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
    return new CommentMatch(text);
  },
};
