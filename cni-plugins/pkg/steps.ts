import type { HostFiles } from '../../src/cni/index.js';
import { VirtualKernel, type Kernel } from '../../src/kernel/index.js';
import { isThenable } from '../../src/lib/index.js';

/**
 * A plugin body written once for both kinds of kernel: a generator that yields each operation's answer, which is a
 * promise on a real kernel and a plain value on the virtual one. `drive` hands plain values straight back and only
 * awaits promises, so on the virtual kernel a whole ADD runs without a promise or a microtask per operation (an
 * await each cost more than the operation), while on Linux it runs exactly as the async code did. Failures are the
 * same either way: a throwing operation throws at its `yield`, a rejected promise is thrown into the generator there.
 */
export type Steps<T> = Generator<unknown, T, unknown>;

/** Run `g` to its end: synchronously while it yields plain values, on promises from the first one it yields. */
export function drive<T>(g: Steps<T>): T | Promise<T> {
  let r = g.next();
  while (r.done !== true) {
    if (isThenable(r.value)) return driveAsync(g, r.value);
    r = g.next(r.value);
  }
  return r.value;
}

async function driveAsync<T>(g: Steps<T>, first: PromiseLike<unknown>): Promise<T> {
  let pending = first;
  for (;;) {
    let r: IteratorResult<unknown, T>;
    let value: unknown;
    let failed = false;
    try {
      value = await pending;
    } catch (e) {
      failed = true;
      value = e;
    }
    r = failed ? g.throw(value) : g.next(value);
    for (;;) {
      if (r.done === true) return r.value;
      if (isThenable(r.value)) break;
      r = g.next(r.value);
    }
    pending = r.value;
  }
}

/** An operations interface whose methods answer with a value or a promise of it. */
type MaybeSync<O> = {
  readonly [P in keyof O]: O[P] extends (...a: infer A) => Promise<infer R> ? (...a: A) => R | Promise<R> : never;
};

/** The kernel operations plugin steps use: the virtual kernel's synchronous ones, or any Kernel's own. */
export type StepKernel = { readonly [G in 'netns' | 'link' | 'addr' | 'route' | 'sysctl']: MaybeSync<Kernel[G]> };

export function stepKernel(k: Kernel): StepKernel {
  return k instanceof VirtualKernel ? k.now : k;
}

/** Plugin state files: memory files' synchronous operations (HostFiles.now), or the async ones. */
export interface StepFiles {
  read(path: string): string | undefined | Promise<string | undefined>;
  createExclusive(path: string, data: string): boolean | Promise<boolean>;
  write(path: string, data: string): void | Promise<void>;
  remove(path: string): void | Promise<void>;
  list(dir: string): string[] | Promise<string[]>;
  findByContent?(dir: string, text: string): string[] | Promise<string[]>;
}

export function stepFiles(f: HostFiles): StepFiles {
  return f.now ?? f;
}
