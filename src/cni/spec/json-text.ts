import { InputError } from '../../lib/index.js';

/**
 * JSON.parse with an error that says where: `file:line:col: invalid JSON: <reason>`. V8 reports a character
 * position; we turn it into line and column because that is what a person opens the file at.
 */
export function parseJsonText(text: string, source: string, code = 'KW_CNI_CONFIG_JSON'): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const m = /position (\d+)/.exec(msg);
    let where = source;
    if (m !== null) {
      const pos = Number(m[1]);
      const before = text.slice(0, pos);
      const line = before.split('\n').length;
      const col = pos - before.lastIndexOf('\n');
      where = `${source}:${line}:${col}`;
    } else if (/end of (JSON )?input/i.test(msg)) {
      where = `${source}: at end of input`;
    }
    throw new InputError(code, `invalid JSON: ${msg}`, { where, cause: e });
  }
}
