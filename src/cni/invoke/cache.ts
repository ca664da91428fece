import { deepFreeze, isDeepFrozenJson, KubewireError } from '../../lib/index.js';
import type { CapabilityArgs } from '../spec/config-types.js';
import { frozenResultCopy } from '../spec/result-json.js';
import { isParsedResult, parsedAgain, sameParseState } from '../spec/result.js';
import type { CniResult } from '../spec/result-types.js';

/**
 * The attachment cache a runtime keeps after a successful ADD (libcni's `<cacheDir>/results/<net>-<cid>-<ifname>`,
 * kind "cniCacheV1"). CHECK and DEL read the stored result back as prevResult; GC walks the entries.
 */
export interface CachedAttachment {
  readonly networkName: string;
  readonly containerId: string;
  readonly ifName: string;
  readonly netns: string;
  readonly cniArgs?: readonly (readonly [string, string])[];
  readonly capabilityArgs?: CapabilityArgs;
  /** The conflist text the ADD ran with (libcni stores its bytes, base64 in the file). */
  readonly config: string;
  /** The final ADD result as JSON (converted to the list version by readers). */
  readonly result: unknown;
}

export interface AttachmentKey {
  readonly networkName: string;
  readonly containerId: string;
  readonly ifName: string;
}

export interface ResultCache {
  /** The entry, or undefined when there is none. Throws CacheCorruptError for an unreadable/garbled entry. */
  get(key: AttachmentKey): Promise<CachedAttachment | undefined>;
  /** Store (replace) atomically: a crash leaves the old entry or the new one, never half a file. */
  put(entry: CachedAttachment): Promise<void>;
  /** Remove; a missing entry is not an error. */
  delete(key: AttachmentKey): Promise<void>;
  /** Every readable entry, optionally only one container's, sorted by file name; corrupt ones are skipped (as libcni). */
  list(containerId?: string): Promise<CachedAttachment[]>;
  /** Optional: get, put and delete answering at once (a cache in memory needs no await); failures are thrown. */
  readonly now?: ResultCacheNow;
}

export interface ResultCacheNow {
  get(key: AttachmentKey): CachedAttachment | undefined;
  put(entry: CachedAttachment): void;
  delete(key: AttachmentKey): void;
}

export class CacheCorruptError extends KubewireError {
  override readonly name = 'CacheCorruptError';
  constructor(message: string, where: string, cause?: unknown) {
    super('KW_CNI_CACHE_CORRUPT', message, { where, cause });
  }
}

/** libcni's file name: `<net>-<cid>-<ifname>`. */
export function cacheFileName(k: AttachmentKey): string {
  return `${k.networkName}-${k.containerId}-${k.ifName}`;
}

/** The on-disk JSON, field for field (libcni cachedInfo), with `config` as base64 like Go's []byte. */
export function encodeCacheEntry(e: CachedAttachment): string {
  return JSON.stringify({
    kind: 'cniCacheV1',
    containerId: e.containerId,
    config: Buffer.from(e.config, 'utf8').toString('base64'),
    ifName: e.ifName,
    networkName: e.networkName,
    ...(e.netns === '' ? {} : { netns: e.netns }),
    ...(e.cniArgs === undefined || e.cniArgs.length === 0 ? {} : { cniArgs: e.cniArgs }),
    ...(e.capabilityArgs === undefined || Object.keys(e.capabilityArgs).length === 0 ? {} : { capabilityArgs: e.capabilityArgs }),
    ...(e.result === undefined ? {} : { result: e.result }),
  });
}

/**
 * Decode a cache file. A file that is JSON but not kind cniCacheV1 is a legacy bare result (libcni
 * getLegacyCachedResult): returned with the key's fields and empty config. Empty or non-JSON text is corrupt
 * (cni#1055: zero-byte files after a crash).
 */
export function decodeCacheEntry(text: string, key: AttachmentKey, where: string): CachedAttachment {
  let json: unknown;
  try {
    json = JSON.parse(text) as unknown;
  } catch (e) {
    throw new CacheCorruptError(`cached network "${key.networkName}" entry is not JSON${text === '' ? ' (empty file)' : ''}`, where, e);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new CacheCorruptError('cached entry is not a JSON object', where);
  const o = json as Record<string, unknown>;
  if (o['kind'] !== 'cniCacheV1') return { ...key, netns: '', config: '', result: o };
  const str = (k: string): string => (typeof o[k] === 'string' ? (o[k] as string) : '');
  const args = Array.isArray(o['cniArgs']) ? (o['cniArgs'] as [string, string][]) : undefined;
  const caps = typeof o['capabilityArgs'] === 'object' && o['capabilityArgs'] !== null ? (o['capabilityArgs'] as CapabilityArgs) : undefined;
  return {
    networkName: str('networkName'),
    containerId: str('containerId'),
    ifName: str('ifName'),
    netns: str('netns'),
    ...(args === undefined ? {} : { cniArgs: args }),
    ...(caps === undefined ? {} : { capabilityArgs: caps }),
    config: Buffer.from(str('config'), 'base64').toString('utf8'),
    result: o['result'],
  };
}

/**
 * In-memory cache. Entries are kept as the value a file's text decodes to (deep-frozen), so a DEL reads back exactly
 * what the file store would give without re-decoding text; putRaw stores text (a zero-byte or garbled entry),
 * decoded on read as a file would be.
 */
export class MemoryResultCache implements ResultCache {
  /** `parsed`: the stored result is a copy of a parseResult answer, and so counts as one when it is read back. */
  private readonly entries = new Map<string, { readonly text: string } | { readonly entry: CachedAttachment; readonly parsed: boolean }>();

  readonly now: ResultCacheNow = {
    get: (key) => {
      const name = cacheFileName(key);
      const e = this.entries.get(name);
      if (e === undefined) return undefined;
      if (!('entry' in e)) return decodeCacheEntry(e.text, key, `memory:${name}`);
      if (e.parsed) parsedAgain(e.entry.result as CniResult);
      return e.entry;
    },
    put: (entry) => {
      const stored = asStored(entry);
      this.entries.set(cacheFileName(entry), { entry: stored.entry, parsed: stored.parsed });
    },
    delete: (key) => {
      this.entries.delete(cacheFileName(key));
    },
  };

  get(key: AttachmentKey): Promise<CachedAttachment | undefined> {
    try {
      return Promise.resolve(this.now.get(key));
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }
  put(entry: CachedAttachment): Promise<void> {
    this.now.put(entry);
    return Promise.resolve();
  }
  delete(key: AttachmentKey): Promise<void> {
    this.now.delete(key);
    return Promise.resolve();
  }
  list(containerId?: string): Promise<CachedAttachment[]> {
    const out: CachedAttachment[] = [];
    for (const name of [...this.entries.keys()].sort()) {
      const v = this.entries.get(name);
      if (v === undefined) continue;
      try {
        const e = 'entry' in v ? v.entry : decodeCacheEntry(v.text, { networkName: '', containerId: '', ifName: '' }, name);
        if (e.networkName === '' || e.ifName === '') continue;
        if (containerId !== undefined && e.containerId !== containerId) continue;
        out.push(e);
      } catch {
        continue;
      }
    }
    return Promise.resolve(out);
  }
  /** Raw text under a key (tests: a zero-byte or garbled entry). */
  putRaw(key: AttachmentKey, text: string): void {
    this.entries.set(cacheFileName(key), { text });
  }
  /** The text a file store would hold for the entry under `key` (undefined when there is none). */
  text(key: AttachmentKey): string | undefined {
    const v = this.entries.get(cacheFileName(key));
    return v === undefined ? undefined : 'entry' in v ? encodeCacheEntry(v.entry) : v.text;
  }
  /** Number of entries (tests: nothing left behind). */
  get size(): number {
    return this.entries.size;
  }
}

/**
 * What decodeCacheEntry(encodeCacheEntry(e)) gives, without the text: empty cniArgs and capabilityArgs are not
 * written, and the result is a private deep copy (JSON, as the file holds it), frozen so no reader can change it.
 */
function asStored(e: CachedAttachment): { entry: CachedAttachment; parsed: boolean } {
  const out: Record<string, unknown> = { networkName: e.networkName, containerId: e.containerId, ifName: e.ifName, netns: e.netns };
  if (e.cniArgs !== undefined && e.cniArgs.length > 0) out['cniArgs'] = frozenJson(e.cniArgs);
  if (e.capabilityArgs !== undefined && Object.keys(e.capabilityArgs).length > 0) out['capabilityArgs'] = frozenJson(e.capabilityArgs);
  out['config'] = e.config;
  // A parsed result (what a runtime stores) is copied by a typed walk, and its copy is a parsed result too: DEL's
  // getCachedResult then takes it as it is.
  let r: unknown;
  let parsed = false;
  if (isParsedResult(e.result)) {
    r = frozenResultCopy(e.result);
    parsed = sameParseState(r as object, e.result);
  } else {
    r = e.result === undefined ? undefined : frozenJson(e.result);
  }
  out['result'] = r;
  return { entry: Object.freeze(out) as unknown as CachedAttachment, parsed };
}

/**
 * What JSON.parse(JSON.stringify(v)) gives, deep-frozen, in one pass: plain objects (keys in the same order, those
 * whose value JSON leaves out dropped), arrays, strings, booleans, null and finite numbers are copied directly;
 * anything else (toJSON, a class instance, NaN) takes the text's way.
 */
function frozenJson(v: unknown): unknown {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  // A deep-frozen value that JSON gives back as it is (a kubelet's per-node capability args): kept, not copied.
  if (typeof v === 'object' && Object.isFrozen(v) && isDeepFrozenJson(v)) return v;
  if (typeof v === 'number' && Number.isFinite(v)) return v === 0 ? 0 : v;
  if (Array.isArray(v)) {
    const out = new Array<unknown>(v.length);
    for (let i = 0; i < v.length; i++) {
      const x = frozenJson(v[i]);
      out[i] = x === undefined ? null : x;
    }
    return Object.freeze(out);
  }
  if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype && typeof (v as Record<string, unknown>)['toJSON'] !== 'function') {
    const o = v as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const k in o) {
      if (!Object.prototype.hasOwnProperty.call(o, k)) continue;
      const x = frozenJson(o[k]);
      if (x !== undefined) out[k] = x;
    }
    return Object.freeze(out);
  }
  const t = JSON.stringify(v) as string | undefined;
  return t === undefined ? undefined : deepFreeze(JSON.parse(t) as unknown);
}
