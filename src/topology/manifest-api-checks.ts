import { type KubeObject, cloneJson, defaultObject, invalidObjectMessage, resourceByKind, undecodableData, validateObject } from '../api/index.js';
import { pointerToken } from './manifest-objects.js';
import type { ManifestObject } from './types.js';

/** What the API server would refuse the object for: the JSON pointer of the first bad field and its message. */
export interface ApiRefusal {
  readonly path: string;
  readonly message: string;
}

/**
 * The API server's verdict on creating `object` (one of API_ONLY_KINDS), or undefined when it would store it:
 * decoding, defaulting, then validation, exactly as `kubewire serve` will check it.
 */
export function apiServerRefusal(object: ManifestObject): ApiRefusal | undefined {
  const r = resourceByKind(object.apiVersion, object.kind);
  if (r === undefined) return undefined;
  const undecodable = undecodableData(r.kind, object);
  if (undecodable !== undefined) {
    return { path: '', message: `${r.kind} in version "${r.version}" cannot be handled as a ${r.kind}: ${undecodable}` };
  }
  const draft = cloneJson(object) as unknown as KubeObject;
  defaultObject(r, draft);
  const errs = validateObject(r, draft);
  const first = errs[0];
  if (first === undefined) return undefined;
  return { path: fieldPathToPointer(first.field), message: invalidObjectMessage(r, object.metadata.name, errs) };
}

/**
 * A Kubernetes field path (`spec.rules[0].http.paths[1].path`, `data[tls.crt]`) as a JSON pointer into the
 * manifest (`/spec/rules/0/http/paths/1/path`, `/data/tls.crt`), the form every other topology error uses.
 */
export function fieldPathToPointer(field: string): string {
  let out = '';
  let i = 0;
  while (i < field.length) {
    const c = field[i];
    if (c === '[') {
      const end = field.indexOf(']', i);
      const key = field.slice(i + 1, end < 0 ? field.length : end);
      out += `/${pointerToken(key)}`;
      i = end < 0 ? field.length : end + 1;
    } else if (c === '.') {
      i++;
    } else {
      let j = i;
      while (j < field.length && field[j] !== '.' && field[j] !== '[') j++;
      out += `/${pointerToken(field.slice(i, j))}`;
      i = j;
    }
  }
  return out;
}
