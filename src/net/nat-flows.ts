import { type Packet, flowKey } from '../packet/index.js';
import type { HookHop } from './hooks.js';

type NatType = NonNullable<HookHop['nat']>['type'];

/**
 * A hop's `nat` view (the flow before and after a translation), formatted only when read: most traces are
 * checked for their verdict and never print their hops, and flowKey is the costliest part of a NAT hop.
 */
export class LazyNatFlows implements NonNullable<HookHop['nat']> {
  private b: string | undefined;
  private a: string | undefined;
  constructor(
    readonly type: NatType,
    private readonly p: Packet,
    private readonly np: Packet,
  ) {}
  get before(): string {
    return (this.b ??= flowKey(this.p));
  }
  get after(): string {
    return (this.a ??= flowKey(this.np));
  }
}
