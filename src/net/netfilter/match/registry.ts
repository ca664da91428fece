import { addrtypeMatch } from './addrtype.js';
import { commentMatch } from './comment.js';
import { conntrackMatch, stateMatch } from './conntrack.js';
import { connmarkMatch, markMatch } from './mark.js';
import type { MatchModule } from './module.js';
import { multiportMatch } from './multiport.js';
import { nfacctMatch } from './nfacct.js';
import { physdevMatch } from './physdev.js';
import { recentMatch } from './recent.js';
import { setMatch } from './set.js';
import { statisticMatch } from './statistic.js';
import { sctpMatch, tcpMatch, udpMatch } from './port-match.js';

/** Every match extension kubewire understands; anything else is a parse error naming it. */
export const MATCH_MODULES: ReadonlyMap<string, MatchModule> = new Map(
  [tcpMatch, udpMatch, sctpMatch, commentMatch, addrtypeMatch, statisticMatch, recentMatch, markMatch, connmarkMatch, conntrackMatch, stateMatch, multiportMatch, setMatch, physdevMatch, nfacctMatch].map((m) => [m.name, m]),
);
