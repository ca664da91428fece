import type { Hook, HookBranch, HookHandler, HostView, Skb } from '../hooks.js';
import type { TableName } from './types.js';

/** What a netfilter step handler runs: conntrack's lookup, the nat table (or its binding), or the confirmation. */
export const NH_CONNTRACK = 1;
export const NH_NAT = 2;
export const NH_CONFIRM = 3;
export type NetfilterStep = typeof NH_CONNTRACK | typeof NH_NAT | typeof NH_CONFIRM;

/** The namespace netfilter's methods its handlers call (Netfilter implements them). */
export interface NetfilterHooks {
  runTable(table: TableName, hook: Hook, skb: Skb, host: HostView): HookBranch[];
  conntrackIn(skb: Skb): HookBranch;
  nat(hook: Hook, skb: Skb, host: HostView): HookBranch[];
  confirm(skb: Skb): HookBranch;
  /** Whether `table` is idle at `hook` (see Netfilter.tableIdle). */
  tableIdle(table: TableName, hook: Hook): boolean;
  /** A branch that accepts `skb` unchanged and silently. */
  pass(skb: Skb): HookBranch;
}

/**
 * The handler of one table at one hook, as one object whose methods live on the prototype, with whether the table is
 * idle at its hook kept in a field (`idleHere`, rewritten by the netfilter whenever its rules change). The runner
 * asks it whether it is idle before every call: as closures, that read the handler, its closure, the closure's
 * context and the netfilter's idle bits, at a node of a 5,000-node cluster four cache misses per handler a pod-to-pod
 * packet meets; here the handler object itself answers.
 */
export class TableHandler implements HookHandler {
  /** Whether the table is idle at `at` under the netfilter's current rules. */
  idleHere = false;

  constructor(
    readonly name: string,
    readonly priority: number,
    private readonly nf: NetfilterHooks,
    /** The hook this handler is registered at. */
    readonly at: Hook,
    readonly table: TableName,
  ) {}

  process(hook: Hook, skb: Skb, host: HostView): readonly HookBranch[] {
    return hook === this.at && this.idleHere ? [this.nf.pass(skb)] : this.nf.runTable(this.table, hook, skb, host);
  }

  idle(hook: Hook): boolean {
    return hook === this.at ? this.idleHere : this.nf.tableIdle(this.table, hook);
  }
}

/**
 * Conntrack, nat or the confirmation at one hook, as an object for the same reason as TableHandler (its call reads
 * no closure). No `idle`: nat records the NAT decision in the conntrack entry even with no rules.
 */
export class StepHandler implements HookHandler {
  constructor(
    readonly name: string,
    readonly priority: number,
    private readonly nf: NetfilterHooks,
    private readonly step: NetfilterStep,
  ) {}

  process(hook: Hook, skb: Skb, host: HostView): readonly HookBranch[] {
    switch (this.step) {
      case NH_CONNTRACK:
        return [this.nf.conntrackIn(skb)];
      case NH_NAT:
        return this.nf.nat(hook, skb, host);
      case NH_CONFIRM:
        return [this.nf.confirm(skb)];
    }
  }
}

/** The netfilter of the namespace a shared handler runs in (Netfilter.installShared set it). */
function netfilterOf(host: HostView): NetfilterHooks {
  const nf = host.netfilter;
  if (nf === undefined) throw new Error(`netns ${host.netns}: a shared netfilter handler runs where no netfilter is installed`);
  return nf;
}

/**
 * TableHandler for every namespace holding one ruleset (Netfilter.installShared): whether the table is idle is a
 * property of the ruleset, so one handler answers it for all of them, and it finds the namespace's own netfilter
 * through the host. At 5,000 nodes with identical rules, a node's hooks then read handlers already in cache instead
 * of nine cold ones of its own, several only to learn they are idle.
 */
export class SharedTableHandler implements HookHandler {
  constructor(
    readonly name: string,
    readonly priority: number,
    /** The hook this handler is registered at. */
    readonly at: Hook,
    readonly table: TableName,
    /** Whether the table is idle at `at` under the ruleset. */
    private readonly idleHere: boolean,
    /** tableIdle of the ruleset, for any other hook. */
    private readonly idleAt: (hook: Hook) => boolean,
  ) {}

  process(hook: Hook, skb: Skb, host: HostView): readonly HookBranch[] {
    const nf = netfilterOf(host);
    return hook === this.at && this.idleHere ? [nf.pass(skb)] : nf.runTable(this.table, hook, skb, host);
  }

  idle(hook: Hook): boolean {
    return hook === this.at ? this.idleHere : this.idleAt(hook);
  }
}

/** StepHandler for every namespace (see SharedTableHandler): the step does not depend on the rules. */
export class SharedStepHandler implements HookHandler {
  constructor(
    readonly name: string,
    readonly priority: number,
    private readonly step: NetfilterStep,
  ) {}

  process(hook: Hook, skb: Skb, host: HostView): readonly HookBranch[] {
    const nf = netfilterOf(host);
    switch (this.step) {
      case NH_CONNTRACK:
        return [nf.conntrackIn(skb)];
      case NH_NAT:
        return nf.nat(hook, skb, host);
      case NH_CONFIRM:
        return [nf.confirm(skb)];
    }
  }
}
