/**
 * Whether an answer is a promise (or any thenable) rather than the value itself: code that runs synchronously on the
 * virtual kernel and on promises on a real one (the CNI runtime, delegation, plugin steps) branches on it.
 */
export function isThenable<T>(v: T | PromiseLike<T>): v is PromiseLike<T> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}
