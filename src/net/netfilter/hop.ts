import { flowKey, type Packet } from '../../packet/index.js';
import type { HookHop } from '../hooks.js';
import type { Target } from './types.js';

/** How a rule hop's detail reads (walk.ts picks one per target result). */
export const HK = {
  /** `-j NAME[: note]` (non-terminating targets, DROP, ACCEPT without NAT). */
  Target: 0,
  /** `-j CHAIN` / `-g CHAIN`. */
  Jump: 1,
  Goto: 2,
  /** `-j RETURN`. */
  Return: 3,
  /** `-j REJECT --reject-with TYPE` (the type in `note`). */
  Reject: 5,
} as const;
export type HopKind = (typeof HK)[keyof typeof HK];

type NatType = NonNullable<HookHop['nat']>['type'];

/**
 * The hop a matching rule reports. Its texts (detail, NAT flow keys) are formatted only when
 * read: a trace through a 100k-rule table makes several per packet, and most are never printed.
 */
export class RuleHop implements HookHop {
  readonly step = 'netfilter';
  private text: string | undefined;

  constructor(
    readonly table: string,
    readonly chain: string,
    readonly ruleNumber: number,
    /** The exact rule text. */
    readonly rule: string,
    readonly kind: HopKind,
    readonly target: Target,
    private readonly note: string | undefined,
    /** Appended to the detail (the statistic note of a forked rule), or ''. */
    readonly extra: string,
  ) {}

  get detail(): string {
    if (this.text === undefined) this.text = this.format() + this.extra;
    return this.text;
  }

  protected format(): string {
    const name = this.target.name;
    switch (this.kind) {
      case HK.Jump:
        return `-j ${name}`;
      case HK.Goto:
        return `-g ${name}`;
      case HK.Return:
        return '-j RETURN';
      case HK.Reject:
        return `-j REJECT --reject-with ${this.note ?? ''}`;
      default:
        return `-j ${name}${this.note === undefined ? '' : `: ${this.note}`}`;
    }
  }

  /** A plain object, for JSON. */
  toJSON(): HookHop {
    return { step: this.step, table: this.table, chain: this.chain, ruleNumber: this.ruleNumber, rule: this.rule, detail: this.detail };
  }
}

/** The hop of a NAT target that accepted: `NAME: before => after`, the translation in `nat`. */
export class NatRuleHop extends RuleHop {
  private natView: NonNullable<HookHop['nat']> | undefined;

  constructor(
    table: string,
    chain: string,
    ruleNumber: number,
    rule: string,
    target: Target,
    extra: string,
    private readonly natType: NatType,
    private readonly before: Packet,
    private readonly after: Packet,
  ) {
    super(table, chain, ruleNumber, rule, HK.Target, target, undefined, extra);
  }

  get nat(): NonNullable<HookHop['nat']> {
    if (this.natView === undefined) this.natView = { type: this.natType, before: flowKey(this.before), after: flowKey(this.after) };
    return this.natView;
  }

  protected override format(): string {
    const n = this.nat;
    return `${this.target.name}: ${n.before} => ${n.after}`;
  }

  override toJSON(): HookHop {
    return { ...super.toJSON(), nat: this.nat };
  }
}
