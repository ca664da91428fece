import { PROTO_NUMBER } from '../../../addr/index.js';
import type { EvalCtx, IndexHints, Match } from '../types.js';
import { type MatchModule, type ParsedOpt, inv, parsePortRange, portRangeText, single } from './module.js';

/**
 * `-m tcp|udp|sctp --sport/--dport [!] a[:b]` (libxt_tcp/udp/sctp). iptables-save prints the
 * source port before the destination port whatever the order written.
 */
function portModule(name: 'tcp' | 'udp' | 'sctp'): MatchModule {
  const protoNum = PROTO_NUMBER[name];
  return {
    name,
    options: { sport: 1, dport: 1 },
    aliases: { 'source-port': 'sport', 'destination-port': 'dport' },
    build(opts, b): Match {
      const o = single(opts, b);
      const tests: ((ctx: EvalCtx) => boolean)[] = [(ctx) => PROTO_NUMBER[ctx.skb.packet.proto] === protoNum];
      const save: string[] = [];
      const hints: IndexHints = {};
      const add = (opt: ParsedOpt | undefined, flag: string, pick: (ctx: EvalCtx) => number): void => {
        if (opt === undefined) return;
        const [lo, hi] = parsePortRange(opt.values[0] ?? '', b);
        const invert = opt.invert;
        tests.push((ctx) => {
          const p = pick(ctx);
          return (p >= lo && p <= hi) !== invert;
        });
        save.push(...inv(opt), flag, portRangeText([lo, hi]));
        if (flag === '--dport' && lo === hi && !invert) hints.dport = lo;
      };
      add(o.get('sport'), '--sport', (ctx) => ctx.skb.packet.sport);
      add(o.get('dport'), '--dport', (ctx) => ctx.skb.packet.dport);
      const [t0, t1, t2] = tests;
      const evaluate =
        t1 === undefined ? t0 ?? (() => true) : t2 === undefined ? (ctx: EvalCtx) => t0 !== undefined && t0(ctx) && t1(ctx) : (ctx: EvalCtx) => tests.every((t) => t(ctx));
      return { module: name, implicit: false, saveArgs: save, hints: { ...hints, proto: protoNum }, evaluate };
    },
  };
}

export const tcpMatch = portModule('tcp');
export const udpMatch = portModule('udp');
export const sctpMatch = portModule('sctp');
