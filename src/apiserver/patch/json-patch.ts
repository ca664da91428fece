import { isJsonObject, jsonEqual } from '../../api/index.js';
import { apiErrors } from '../errors.js';

/**
 * RFC 6902 JSON patch (`kubectl patch --type=json`, and `kubectl rollout undo`, which replaces
 * /spec/template with a JSON patch). Every failure is a 422 naming the operation, nothing applied.
 */
interface Op {
  op: string;
  path: string;
  from?: string;
  value?: unknown;
}

function parsePointer(p: string, where: string): string[] {
  if (p === '') return [];
  if (!p.startsWith('/')) throw apiErrors.unprocessable(`${where}: JSON pointer "${p}" must start with "/"`);
  return p
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

type Container = Record<string, unknown> | unknown[];

function parentOf(doc: unknown, tokens: string[], where: string): { parent: Container; key: string } {
  let cur: unknown = doc;
  for (const t of tokens.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[Number(t)];
    else if (isJsonObject(cur)) cur = cur[t];
    else cur = undefined;
    if (cur === undefined) throw apiErrors.unprocessable(`${where}: missing path element "${t}"`);
  }
  if (!Array.isArray(cur) && !isJsonObject(cur)) throw apiErrors.unprocessable(`${where}: parent is not a container`);
  return { parent: cur, key: tokens[tokens.length - 1] ?? '' };
}

function index(arr: unknown[], key: string, forAdd: boolean, where: string): number {
  if (forAdd && key === '-') return arr.length;
  if (!/^(0|[1-9][0-9]*)$/.test(key)) throw apiErrors.unprocessable(`${where}: "${key}" is not an array index`);
  const i = Number(key);
  if (i > arr.length || (!forAdd && i === arr.length)) throw apiErrors.unprocessable(`${where}: index ${i} out of bounds`);
  return i;
}

function read(doc: unknown, tokens: string[], where: string): unknown {
  if (tokens.length === 0) return doc;
  const { parent, key } = parentOf(doc, tokens, where);
  const v = Array.isArray(parent) ? parent[index(parent, key, false, where)] : parent[key];
  if (v === undefined) throw apiErrors.unprocessable(`${where}: no value at "/${tokens.join('/')}"`);
  return v;
}

function remove(doc: unknown, tokens: string[], where: string): unknown {
  const { parent, key } = parentOf(doc, tokens, where);
  if (Array.isArray(parent)) return parent.splice(index(parent, key, false, where), 1)[0];
  if (!(key in parent)) throw apiErrors.unprocessable(`${where}: no value at "/${tokens.join('/')}" to remove`);
  const v = parent[key];
  delete parent[key];
  return v;
}

function add(doc: unknown, tokens: string[], value: unknown, where: string): unknown {
  if (tokens.length === 0) return value;
  const { parent, key } = parentOf(doc, tokens, where);
  if (Array.isArray(parent)) parent.splice(index(parent, key, true, where), 0, value);
  else parent[key] = value;
  return doc;
}

export function applyJsonPatch(target: unknown, patch: unknown): unknown {
  if (!Array.isArray(patch)) throw apiErrors.badRequest('a JSON patch must be an array of operations');
  let doc = structuredClone(target);
  patch.forEach((raw, i) => {
    const where = `operation ${i}`;
    if (!isJsonObject(raw) || typeof raw['op'] !== 'string' || typeof raw['path'] !== 'string') {
      throw apiErrors.unprocessable(`${where}: needs string "op" and "path"`);
    }
    const op = raw as unknown as Op;
    const tokens = parsePointer(op.path, where);
    switch (op.op) {
      case 'add':
        doc = add(doc, tokens, structuredClone(op.value), where);
        break;
      case 'remove':
        remove(doc, tokens, where);
        break;
      case 'replace':
        read(doc, tokens, where);
        if (tokens.length === 0) doc = structuredClone(op.value);
        else {
          remove(doc, tokens, where);
          doc = add(doc, tokens, structuredClone(op.value), where);
        }
        break;
      case 'move':
      case 'copy': {
        if (typeof op.from !== 'string') throw apiErrors.unprocessable(`${where}: "${op.op}" needs "from"`);
        const fromTokens = parsePointer(op.from, where);
        const v = op.op === 'move' ? remove(doc, fromTokens, where) : structuredClone(read(doc, fromTokens, where));
        doc = add(doc, tokens, v, where);
        break;
      }
      case 'test':
        if (!jsonEqual(read(doc, tokens, where), op.value)) throw apiErrors.unprocessable(`${where}: test failed at "${op.path}"`);
        break;
      default:
        throw apiErrors.unprocessable(`${where}: unknown op "${op.op}"`);
    }
  });
  return doc;
}
