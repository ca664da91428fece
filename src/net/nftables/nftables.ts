import { InputError } from '../../lib/index.js';
import type { Hook, HookHandler, HookHop, Skb } from '../hooks.js';
import { Fraction } from '../../lib/index.js';
import { type CompiledTable, compileTable, type EvalEnv, evalCompiledChain } from './eval.js';
import { parseNftRuleset, printNftTable } from './ruleset.js';
import type { NftTable } from './types.js';

/** Shared by every packet a nat chain lets through untouched (branches are never mutated). */
const ACCEPT = Object.freeze({ kind: 'accept' } as const);
const NO_HOPS: readonly HookHop[] = Object.freeze([]);

const HOOK: Readonly<Record<string, Hook>> = { prerouting: 'PREROUTING', input: 'INPUT', forward: 'FORWARD', output: 'OUTPUT', postrouting: 'POSTROUTING' };

/**
 * The nftables of one network namespace: tables, and one hook handler per base chain at the
 * chain's hook and priority (nf_tables registers each base chain as its own netfilter hook). nat
 * chains see only a connection's first packet, as the NAT core calls them (ct state new).
 */
export class Nftables {
  private tables = new Map<string, CompiledTable>();
  readonly stateKey: string;

  constructor(readonly netns: string) {
    this.stateKey = `nftables/${netns}`;
  }

  /** Replaces (or adds) whole tables, as `nft -f` with a flush of the table does. */
  load(tables: readonly NftTable[]): void {
    for (const t of tables) this.tables.set(`${t.family} ${t.name}`, compileTable(t));
  }

  /** `nft -f` of `nft list ruleset` text; all-or-nothing; throws InputError KW_NFT_PARSE naming the line. */
  loadText(text: string, where?: string): void {
    this.load(parseNftRuleset(text, where));
  }

  table(family: string, name: string): NftTable | undefined {
    return this.tables.get(`${family} ${name}`)?.table;
  }

  /** `nft list ruleset`. */
  listRuleset(): string {
    return [...this.tables.values()].map((t) => printNftTable(t.table)).join('');
  }

  /** One handler per base chain; register each with Netns.registerHook (before the iptables ones, see cluster). */
  registrations(): { hook: Hook; handler: HookHandler }[] {
    const out: { hook: Hook; handler: HookHandler }[] = [];
    for (const ct of this.tables.values()) {
      for (const c of ct.table.chains.values()) {
        const b = c.base;
        if (b === undefined) continue;
        const hook = HOOK[b.hook];
        if (hook === undefined) throw new InputError('KW_NFT_HOOK', `chain ${c.name}: hook ${b.hook} is not modelled`);
        const nat = b.type === 'nat';
        const compiled = ct.chain(c);
        const stateKey = this.stateKey;
        // One evaluation environment while the same namespace asks (a handler is registered in one namespace).
        let env: EvalEnv | undefined;
        out.push({
          hook,
          handler: {
            name: `nft ${ct.table.family} ${ct.table.name} ${c.name}`,
            priority: b.priority,
            process: (_h, skb: Skb, host) => {
              if (nat && (skb.ct.state !== 'NEW' || skb.ct.reply)) return [{ probability: Fraction.ONE, verdict: ACCEPT, skb, hops: NO_HOPS }];
              if (env?.host !== host) env = { ct, host, stateKey };
              return evalCompiledChain(env, compiled, skb);
            },
          },
        });
      }
    }
    return out;
  }
}
