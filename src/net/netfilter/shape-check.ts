/**
 * A validate-only check for the exact rule lines kube-proxy writes, in the order it writes
 * their options (pkg/proxy/iptables/proxier.go: comment, protocol match, destination, port,
 * source, statistic, then the jump):
 *
 *   [-m comment --comment C] -m P -p P [-d NET] [--dport N] [! -s NET] [STAT] -j (DNAT --to-destination IP[:N] | T)
 *   [-m comment --comment C] -s NET [STAT] -j T
 *   [-m comment --comment C] [STAT] -j T
 *
 * with STAT `-m statistic --mode random --probability P` and T a `KUBE-…` chain, RETURN, ACCEPT
 * or DROP. One sticky regular expression per table checks a line in place: V8 runs it as
 * compiled code over the flat input, and `test` allocates nothing, so a restore of a 110k-rule
 * node validates its rules without an object or substring per rule.
 *
 * Why this is safe: every line it accepts is also accepted by parseRuleFast (each piece here is
 * as strict as, or stricter than, that parser's: octets without leading zeros, ports without
 * them, probabilities 0..1 written plainly, comments without escapes, at most 255 characters),
 * so a LazyRule kept for it parses later to the rule iptables would have loaded, and the general
 * parser (whose errors the user sees) would have accepted it too. A line it refuses is not an
 * error: the caller reads it with parseRuleFast or the general parser as before.
 */

const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]\\d|\\d)';
const IP = `${OCTET}\\.${OCTET}\\.${OCTET}\\.${OCTET}`;
const NET = `${IP}(?:/(?:3[0-2]|[12]\\d|\\d))?`;
const PORT = '(?:6553[0-5]|655[0-2]\\d|65[0-4]\\d\\d|6[0-4]\\d{3}|[1-5]\\d{4}|[1-9]\\d{0,3}|0)';
/** What parseRuleFast takes as a probability (digits, optional fraction, 0 <= p <= 1). */
const PROB = '(?:0(?:\\.\\d*)?|1(?:\\.0*)?|\\.\\d+)';
const STAT = `(?: -m statistic --mode random --probability ${PROB})?`;
/** A chain (iptables has no target extension called KUBE-…: kube-proxy's chains, at most 28 characters) or a standard verdict. */
const TARGET = '(?:KUBE-[A-Z0-9-]{1,23}|RETURN|ACCEPT|DROP)';
/** Quoted without escapes (the closing quote followed by a space), or one plain word; at most 255 characters. */
const COMMENT = '(?: -m comment --comment (?:"[^"\\\\\\n]{0,255}"|[#-\\[\\]-~]{1,255}))?';
/**
 * COMMENT for arguments shorter than 256 characters, which hold no longer comment anyway: the
 * same words without the counted repetition, which irregexp runs about a third slower (it keeps
 * a count and a backtrack entry per character).
 */
const SHORT_COMMENT = '(?: -m comment --comment (?:"[^"\\\\\\n]*"|[#-\\[\\]-~]+))?';
/** The arguments below this length are checked with SHORT_COMMENT. */
const SHORT = 256;

function shapeRe(nat: boolean, comment: string): RegExp {
  const dnat = nat ? `DNAT --to-destination ${IP}(?::${PORT})?|` : '';
  // Group 1 is the protocol match; `-p` must name the same protocol.
  return new RegExp(`${comment}(?: -m (tcp|udp|sctp) -p \\1(?: -d ${NET})?(?: --dport ${PORT})?(?: ! -s ${NET})?${STAT} -j (?:${dnat}${TARGET})| -s ${NET}${STAT} -j ${TARGET}|${STAT} -j ${TARGET})$`, 'my');
}

const NAT_SHAPE = shapeRe(true, COMMENT);
const OTHER_SHAPE = shapeRe(false, COMMENT);
const NAT_SHORT = shapeRe(true, SHORT_COMMENT);
const OTHER_SHORT = shapeRe(false, SHORT_COMMENT);

/** Results of checkKubeShape besides a jump's offset. */
export const SHAPE_NO = -2;
export const SHAPE_NO_JUMP = -1;

/**
 * Whether the rule arguments at s[from, end) (from: the space after `-A CHAIN`; end: the line's
 * end, no CR before it) are one of kube-proxy's shapes: SHAPE_NO if not; else the offset of the
 * jumped-to chain's name (it runs to `end`), or SHAPE_NO_JUMP for DNAT / RETURN / ACCEPT / DROP.
 */
export function checkKubeShape(s: string, from: number, end: number, nat: boolean): number {
  const re = end - from < SHORT ? (nat ? NAT_SHORT : OTHER_SHORT) : nat ? NAT_SHAPE : OTHER_SHAPE;
  re.lastIndex = from;
  // `$` also matches before CR, U+2028 or U+2029 inside a line: the match must end at the line's end.
  if (!re.test(s) || re.lastIndex !== end) return SHAPE_NO;
  // The target is the last word: `-j KUBE-…` is a jump; `--to-destination …` or a verdict is not.
  const j = s.lastIndexOf(' ', end - 1) + 1;
  return s.charCodeAt(j) === 75 && s.charCodeAt(j - 2) === 106 && s.charCodeAt(j - 3) === 45 ? j : SHAPE_NO_JUMP;
}
