import { connmarkTarget } from './connmark.js';
import { dnatTarget } from './dnat.js';
import { logTarget } from './log.js';
import { markTarget } from './mark.js';
import { masqueradeTarget } from './masquerade.js';
import type { TargetModule } from './module.js';
import { redirectTarget } from './redirect.js';
import { rejectTarget } from './reject.js';
import { snatTarget } from './snat.js';
import { acceptTarget, dropTarget, returnTarget } from './standard.js';

/** Target extensions kubewire understands. Any other all-caps `-j NAME` that is not a chain is an error. */
export const TARGET_MODULES: ReadonlyMap<string, TargetModule> = new Map(
  [acceptTarget, dropTarget, returnTarget, rejectTarget, dnatTarget, snatTarget, masqueradeTarget, redirectTarget, markTarget, connmarkTarget, logTarget].map((t) => [t.name, t]),
);
