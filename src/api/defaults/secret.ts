import { isJsonObject, type KubeObject } from '../object.js';

/**
 * A Secret as the real API server stores it: `stringData` is write-only, folded into `data` (base64 of its UTF-8
 * bytes, overwriting a key of the same name) by the v1 conversion, and `type` defaults to Opaque (SetDefaults_Secret).
 * Secrets are decoded as deep copies (not copy-on-write), so the object may be changed in place.
 */
export function defaultSecret(obj: KubeObject): void {
  const sd = obj['stringData'];
  if (isJsonObject(sd)) {
    const keys = Object.keys(sd);
    if (keys.length > 0) {
      const data = isJsonObject(obj['data']) ? obj['data'] : {};
      for (const k of keys) {
        const v = sd[k];
        data[k] = Buffer.from(typeof v === 'string' ? v : '', 'utf8').toString('base64');
      }
      obj['data'] = data;
    }
  }
  delete obj['stringData'];
  if (obj['type'] === undefined || obj['type'] === '') obj['type'] = 'Opaque';
}
