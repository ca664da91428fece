/**
 * Splits one restore line into arguments the way iptables-restore's add_param_to_argv does:
 * whitespace separates, a double quote opens a quoted run in which `\x` stands for `x`, and a
 * closing quote ends the argument (so `""` is an empty argument). Returns undefined when a
 * quote is left open (iptables then fails the line).
 */
export function splitArgs(line: string): string[] | undefined {
  if (!line.includes('"')) {
    // Fast path (most kube-proxy lines): plain whitespace splitting.
    const parts = line.split(WS);
    if (parts[0] === '') parts.shift();
    if (parts.at(-1) === '') parts.pop();
    return parts;
  }
  const out: string[] = [];
  let cur = '';
  let has = false;
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] ?? '';
    if (quoted) {
      if (c === '\\' && i + 1 < line.length) {
        cur += line[++i] ?? '';
      } else if (c === '"') {
        quoted = false;
        out.push(cur);
        cur = '';
        has = false;
      } else {
        cur += c;
      }
      continue;
    }
    if (c === '"') {
      quoted = true;
      has = true;
    } else if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      if (has) {
        out.push(cur);
        cur = '';
        has = false;
      }
    } else {
      cur += c;
      has = true;
    }
  }
  if (quoted) return undefined;
  if (has) out.push(cur);
  return out;
}

const WS = /[ \t\n\r]+/;

const SAFE = /^[A-Za-z0-9_-]+$/;

/**
 * An argument as iptables-save prints it (xtables_save_string): bare when it is only
 * `[A-Za-z0-9_-]`, otherwise double-quoted with `"`, `\` and `'` backslash-escaped.
 */
export function saveQuote(s: string): string {
  if (SAFE.test(s)) return s;
  return `"${s.replace(/["\\']/g, (m) => `\\${m}`)}"`;
}

/** An argument as a person (or kube-proxy) writes restore input: quoted only when it must be. */
export function restoreQuote(s: string): string {
  if (s !== '' && !/[\s"\\]/.test(s)) return s;
  return `"${s.replace(/["\\]/g, (m) => `\\${m}`)}"`;
}
