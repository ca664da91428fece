/**
 * Splits one restore line into arguments the way iptables-restore's add_param_to_argv does:
 * whitespace separates, a double quote opens a quoted run in which `\x` stands for `x`, and a
 * closing quote ends the argument (so `""` is an empty argument). Returns undefined when a
 * quote is left open (iptables then fails the line).
 */
export function splitArgs(line: string): string[] | undefined {
  if (!line.includes('"')) {
    // Fast path (most kube-proxy lines): plain whitespace splitting, by character codes.
    const parts: string[] = [];
    const n = line.length;
    let start = -1;
    for (let i = 0; i < n; i++) {
      const c = line.charCodeAt(i);
      if (c === 32 || c === 9 || c === 10 || c === 13) {
        if (start >= 0) {
          parts.push(line.slice(start, i));
          start = -1;
        }
      } else if (start < 0) start = i;
    }
    if (start >= 0) parts.push(line.slice(start));
    return parts;
  }
  const out: string[] = [];
  let cur = '';
  let has = false;
  let quoted = false;
  // Plain characters are taken as slices of the line (pending from `seg`), not one by one:
  // appending characters singly would leave each argument a long chain of string pieces.
  let seg = -1;
  const flush = (i: number): void => {
    if (seg >= 0) {
      cur = cur === '' ? line.slice(seg, i) : cur + line.slice(seg, i);
      seg = -1;
    }
  };
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (quoted) {
      if (c === 92 && i + 1 < line.length) {
        flush(i);
        cur += line[++i] ?? '';
      } else if (c === 34) {
        flush(i);
        quoted = false;
        out.push(cur);
        cur = '';
        has = false;
      } else if (seg < 0) {
        seg = i;
      }
      continue;
    }
    if (c === 34) {
      flush(i);
      quoted = true;
      has = true;
    } else if (c === 32 || c === 9 || c === 10 || c === 13) {
      flush(i);
      if (has) {
        out.push(cur);
        cur = '';
        has = false;
      }
    } else {
      if (seg < 0) seg = i;
      has = true;
    }
  }
  if (quoted) return undefined;
  flush(line.length);
  if (has) out.push(cur);
  return out;
}

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

/** No quotes, backslashes or whitespace: splitArgs would return it unchanged as one argument. */
export function isPlainWord(w: string): boolean {
  for (let i = 0; i < w.length; i++) {
    const c = w.charCodeAt(i);
    if (c === 34 || c === 92 || c === 32 || c === 9 || c === 10 || c === 13) return false;
  }
  return true;
}
