import { isJsonObject, type JsonObject } from '../object.js';

/**
 * A JSON object inside a draft that defaulting writes into, copy-on-write. A draft built over a stored
 * object shares that object's unchanged parts, and those are deep-frozen (see cloneJson/copyUnfrozen):
 * the first write into a frozen part copies it (one level) and puts the copy in its parent's place, so a
 * pod created from a ReplicaSet's template copies only what defaulting really changes, and what it
 * leaves alone stays shared (and already frozen, and already validated).
 */
export class CowObject {
  private constructor(
    private value: JsonObject,
    private readonly replaceInParent: ((copy: JsonObject) => void) | undefined,
  ) {}

  /** The draft's root, which must be writable (the server's own envelope). */
  static root(obj: JsonObject): CowObject {
    if (Object.isFrozen(obj)) throw new TypeError('a draft root must be writable');
    return new CowObject(obj, undefined);
  }

  get(key: string): unknown {
    return this.value[key];
  }

  set(key: string, v: unknown): void {
    this.writable()[key] = v;
  }

  /** Sets the field only when absent (null counts as absent, as Go's zero value): setDefault. */
  setDefault(key: string, v: unknown): void {
    const cur = this.value[key];
    if (cur === undefined || cur === null) this.set(key, v);
  }

  /** The object under `key`, made an empty object first when it is absent or not an object (ensureObject). */
  child(key: string): CowObject {
    const cur = this.value[key];
    if (isJsonObject(cur)) return new CowObject(cur, (copy) => this.set(key, copy));
    const created: JsonObject = {};
    this.set(key, created);
    return new CowObject(created, undefined);
  }

  /** The object items of the array under `key` (none when it is not an array), each copy-on-write. */
  items(key: string): CowObject[] {
    const arr = this.value[key];
    if (!Array.isArray(arr)) return [];
    const out: CowObject[] = [];
    for (let i = 0; i < arr.length; i++) {
      const item: unknown = arr[i];
      if (isJsonObject(item)) out.push(new CowObject(item, (copy) => (this.writableArray(key)[i] = copy)));
    }
    return out;
  }

  /** The current object (read only when it is frozen). */
  peek(): JsonObject {
    return this.value;
  }

  private writable(): JsonObject {
    if (Object.isFrozen(this.value)) {
      const copy: JsonObject = { ...this.value };
      if (this.replaceInParent === undefined) throw new TypeError('a frozen draft part has no parent to take its copy');
      this.replaceInParent(copy);
      this.value = copy;
    }
    return this.value;
  }

  private writableArray(key: string): unknown[] {
    const arr = this.value[key];
    if (!Array.isArray(arr)) throw new TypeError(`no array under ${key}`);
    if (!Object.isFrozen(arr)) return arr;
    const copy = arr.slice();
    this.set(key, copy);
    return copy;
  }
}
