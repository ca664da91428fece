import type { TracePath, TraceResult } from '../datapath/index.js';
import { flowKey } from '../packet/index.js';

/** The `--json` shape: a contract scripts rely on. Fields may be added, never renamed or dropped. */
export interface TraceJson {
  readonly packet: { readonly flow: string };
  readonly paths: readonly {
    readonly probability: number;
    readonly probabilityExact: string;
    readonly verdict: string;
    readonly reason: string | null;
    readonly delivered: { readonly pod: string | null; readonly node: string | null; readonly ip: string; readonly port: number | null } | null;
    readonly sourceSeen: string | null;
    readonly hops: readonly {
      readonly node: string | null;
      readonly netns: string;
      readonly iface: string | null;
      readonly step: string;
      readonly detail: string;
      readonly rule: string | null;
    }[];
  }[];
}

export function traceToJson(r: TraceResult): TraceJson {
  return {
    packet: { flow: flowKey(r.packet) },
    paths: r.paths.map((p) => ({
      probability: p.probability.toNumber(),
      probabilityExact: p.probability.toString(),
      verdict: p.verdict,
      reason: p.reason,
      delivered: p.delivered,
      sourceSeen: p.sourceSeen,
      hops: p.hops.map((h) => ({
        node: h.node,
        netns: h.netns,
        iface: h.iface,
        step: h.step,
        detail: h.detail,
        rule: h.rule,
        ...(h.table === undefined ? {} : { table: h.table, chain: h.chain, ruleNumber: h.ruleNumber }),
        ...(h.nat === undefined ? {} : { nat: h.nat }),
      })),
    })),
  };
}

/** A traceroute-like view: one block per path, one line per hop. */
export function renderTrace(r: TraceResult): string {
  const out: string[] = [`trace ${flowKey(r.packet)}: ${r.paths.length} path${r.paths.length === 1 ? '' : 's'}`];
  r.paths.forEach((p, i) => {
    out.push('', `path ${i + 1}: ${summary(p)}`);
    p.hops.forEach((h, j) => {
      const where = `${h.netns}${h.iface === null ? '' : ` ${h.iface}`}`;
      out.push(`  ${String(j + 1).padStart(2)}  ${where.padEnd(34)} ${h.step.padEnd(14)} ${h.detail}`);
      if (h.rule !== null) out.push(`      ${' '.repeat(34)} ${' '.repeat(14)} ${h.rule}`);
    });
  });
  return out.join('\n') + '\n';
}

function summary(p: TracePath): string {
  const prob = p.probability.isOne() ? '' : ` (probability ${p.probability.toNumber().toFixed(4)} = ${p.probability.toString()})`;
  if (p.verdict === 'delivered' && p.delivered !== null) {
    const d = p.delivered;
    const who = d.pod !== null ? `pod ${d.pod} on ${d.node ?? '?'}` : d.node !== null ? `node ${d.node}` : `host ${d.ip}`;
    return `DELIVERED to ${who} at ${d.ip}${d.port === null ? '' : `:${d.port}`}, source seen ${p.sourceSeen ?? '?'}${prob}`;
  }
  return `${p.verdict.toUpperCase()}${p.reason === null ? '' : `: ${p.reason}`}${prob}`;
}
