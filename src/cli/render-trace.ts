import type { ReplyTrace, TraceHop, TracePath, TraceResult } from '../datapath/index.js';
import { flowKey } from '../packet/index.js';

/** The `--json` shape: a contract scripts rely on. Fields may be added, never renamed or dropped. */
export interface TraceJson {
  readonly packet: { readonly flow: string };
  readonly paths: readonly {
    /** The packet as it was when the path ended (after every NAT). */
    readonly finalFlow: string;
    /** With --connection: the reply's fate (null when the first packet was not delivered). */
    readonly reply?: { readonly verdict: string; readonly reason: string | null; readonly hops: readonly TraceJsonHop[] } | null;
    readonly notes?: readonly string[];
    readonly probability: number;
    readonly probabilityExact: string;
    readonly verdict: string;
    readonly reason: string | null;
    readonly delivered: { readonly pod: string | null; readonly node: string | null; readonly ip: string; readonly port: number | null } | null;
    readonly sourceSeen: string | null;
    readonly hops: readonly TraceJsonHop[];
  }[];
}

export interface TraceJsonHop {
  readonly node: string | null;
  readonly netns: string;
  readonly iface: string | null;
  readonly step: string;
  readonly detail: string;
  readonly rule: string | null;
  readonly table?: string;
  readonly chain?: string | undefined;
  readonly ruleNumber?: number | undefined;
  readonly nat?: { readonly type: string; readonly before: string; readonly after: string };
}

function hopJson(h: TraceHop): TraceJson['paths'][number]['hops'][number] {
  return {
    node: h.node,
    netns: h.netns,
    iface: h.iface,
    step: h.step,
    detail: h.detail,
    rule: h.rule,
    ...(h.table === undefined ? {} : { table: h.table, chain: h.chain, ruleNumber: h.ruleNumber }),
    ...(h.nat === undefined ? {} : { nat: h.nat }),
  };
}

function withReply(p: TracePath): { reply?: { verdict: string; reason: string | null; hops: TraceJsonHop[] } | null } {
  const r = replyOf(p);
  return r === undefined ? {} : { reply: replyJson(r) };
}

function replyOf(p: TracePath): ReplyTrace | null | undefined {
  return 'reply' in p ? (p as { reply: ReplyTrace | null }).reply : undefined;
}

export function traceToJson(r: TraceResult): TraceJson {
  return {
    packet: { flow: flowKey(r.packet) },
    paths: r.paths.map((p) => ({
      finalFlow: flowKey(p.finalPacket),
      ...withReply(p),
      ...(p.notes === undefined ? {} : { notes: p.notes }),
      probability: p.probability.toNumber(),
      probabilityExact: p.probability.toString(),
      verdict: p.verdict,
      reason: p.reason,
      delivered: p.delivered,
      sourceSeen: p.sourceSeen,
      hops: p.hops.map(hopJson),
    })),
  };
}

function replyJson(r: ReplyTrace | null): { verdict: string; reason: string | null; hops: TraceJsonHop[] } | null {
  return r === null ? null : { verdict: r.verdict, reason: r.reason, hops: r.hops.map(hopJson) };
}

/** A traceroute-like view: one block per path, one line per hop. */
export function renderTrace(r: TraceResult): string {
  const out: string[] = [`trace ${flowKey(r.packet)}: ${r.paths.length} path${r.paths.length === 1 ? '' : 's'}`];
  r.paths.forEach((p, i) => {
    out.push('', `path ${i + 1}: ${summary(p)}`);
    renderHops(out, p.hops);
    for (const n of p.notes ?? []) out.push(`  note: ${n}`);
    if (p.verdict !== 'delivered') out.push(`  final packet: ${flowKey(p.finalPacket)}`);
    const reply = replyOf(p);
    if (reply !== undefined && reply !== null) {
      out.push(`  reply: ${reply.verdict.toUpperCase()}${reply.reason === null ? ' back to the sender, NAT undone by conntrack' : `: ${reply.reason}`}`);
      renderHops(out, reply.hops);
    }
  });
  return out.join('\n') + '\n';
}

function renderHops(out: string[], hops: readonly TraceHop[]): void {
  hops.forEach((h, j) => {
    const where = `${h.netns}${h.iface === null ? '' : ` ${h.iface}`}`;
    out.push(`  ${String(j + 1).padStart(2)}  ${where.padEnd(34)} ${h.step.padEnd(14)} ${h.detail}`);
    if (h.rule !== null) out.push(`      ${' '.repeat(34)} ${' '.repeat(14)} ${h.rule}`);
  });
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
