import { LinuxKernel, NodeCommandRunner, type CommandRunner } from '../kernel/index.js';
import { ownedBy } from './names.js';
import { stopProcess } from './responders.js';
import { StateStore, type RealizedState } from './state.js';

export interface TeardownReport {
  readonly prefix: string;
  readonly processes: number;
  readonly namespaces: readonly string[];
  readonly links: readonly string[];
}

/**
 * Removes one realized cluster: its responders, every namespace it recorded or that carries its prefix (deleting a
 * namespace deletes the links and iptables rules inside it, and a veth takes its peer in the switch with it), any
 * prefixed link in the host namespace (there should be none), the work directory and the state file.
 */
export async function teardown(prefix: string, o: { runner?: CommandRunner; store?: StateStore; state?: RealizedState } = {}): Promise<TeardownReport> {
  const runner = o.runner ?? new NodeCommandRunner();
  const store = o.store ?? new StateStore();
  const k = new LinuxKernel(runner);
  let state: RealizedState | undefined = o.state;
  try {
    state ??= store.load(prefix);
  } catch {
    state = undefined;
  }
  let processes = 0;
  for (const pid of state?.responders ?? []) {
    await stopProcess(pid);
    processes++;
  }
  const existing = await k.netns.list();
  const wanted = new Set([...(state?.namespaces ?? []), ...existing.filter((n) => ownedBy(n, prefix))]);
  // Pods before nodes before the switch: reverse creation order, then anything found only by prefix.
  const order = [...(state?.namespaces ?? [])].reverse();
  for (const n of wanted) if (!order.includes(n)) order.push(n);
  const removed: string[] = [];
  for (const ns of order) {
    if (!existing.includes(ns)) continue;
    await k.netns.del(ns).catch(() => undefined);
    removed.push(ns);
  }
  const links: string[] = [];
  for (const l of await k.link.list('')) {
    if (!ownedBy(l.name, prefix)) continue;
    await k.link.del('', l.name).catch(() => undefined);
    links.push(l.name);
  }
  store.remove(prefix);
  return { prefix, processes, namespaces: removed, links };
}

/**
 * `kubewire cleanup`: every cluster with a state file, and every namespace or host link named like one
 * (`kw-<4 hex>-…`) even without a state file, as mininet's `mn -c` does after a crash.
 */
export async function cleanupAll(o: { runner?: CommandRunner; store?: StateStore } = {}): Promise<TeardownReport[]> {
  const runner = o.runner ?? new NodeCommandRunner();
  const store = o.store ?? new StateStore();
  const k = new LinuxKernel(runner);
  const prefixes = new Set(store.list());
  for (const n of await k.netns.list()) if (ownedBy(n)) prefixes.add(n.slice(0, 7));
  for (const l of await k.link.list('')) if (ownedBy(l.name)) prefixes.add(l.name.slice(0, 7));
  const out: TeardownReport[] = [];
  for (const p of [...prefixes].sort()) out.push(await teardown(p, { runner, store }));
  return out;
}

/** What is left with a prefix (namespaces, host links, host iptables rules, state file): empty after a clean teardown. */
export async function leftovers(prefix: string, o: { runner?: CommandRunner; store?: StateStore } = {}): Promise<string[]> {
  const k = new LinuxKernel(o.runner ?? new NodeCommandRunner());
  const store = o.store ?? new StateStore();
  const out: string[] = [];
  for (const n of await k.netns.list()) if (ownedBy(n, prefix)) out.push(`netns ${n}`);
  for (const l of await k.link.list('')) if (ownedBy(l.name, prefix)) out.push(`host link ${l.name}`);
  if (store.list().includes(prefix)) out.push(`state file ${store.file(prefix)}`);
  // Nothing is ever loaded into the host's tables; check anyway that no rule names the prefix.
  const save = await (o.runner ?? new NodeCommandRunner()).run(['iptables-save']);
  for (const line of save.stdout.split('\n')) if (line.includes(prefix)) out.push(`host iptables: ${line}`);
  return out;
}
