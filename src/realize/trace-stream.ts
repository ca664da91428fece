/**
 * Attribution of `xtables-monitor --trace` output to packets.
 *
 * nf_tables reports a traced packet as events tagged with a packet id; before the first event of every base chain
 * it runs (raw PREROUTING, mangle PREROUTING, nat PREROUTING, filter FORWARD…) it also sends the packet's headers,
 * which xtables-monitor prints as a `PACKET:` line. Tracing only starts at our TRACE rules in raw PREROUTING/OUTPUT
 * (the kernel clears the trace bit when a packet changes namespace or is encapsulated), so the TRACE rule's own
 * event opens a new "instance": one pass of one packet through one namespace, from one of those two hooks on.
 *
 * Two kinds of instance are not the probe's first packet and must not be compared with the emulated trace:
 * - sentinels: the SYNs to 127.0.0.1:9 verify sends after each probe to learn that the monitor has printed
 *   everything before them (netlink delivers a namespace's trace messages in the order they were generated);
 * - repeats: a TCP SYN retransmitted by the kernel (1 s after the first when no SYN-ACK came, which happens when the
 *   client's 900 ms give-up timer fires late on a busy machine). Upstream conntrack maps it exactly like the first,
 *   so it passes every namespace with the same headers except the IP ID; but the nat table, which only sees a
 *   connection's first packet, is skipped, so its rules differ from the emulated first packet's.
 */

/** One line of `xtables-monitor --trace` about a rule, a chain's return or a policy, in one namespace. */
export interface TraceEvent {
  readonly id: string;
  readonly table: string;
  readonly chain: string;
  readonly type: 'rule' | 'return' | 'policy';
  /** ACCEPT, CONTINUE, JUMP:<chain>, DROP… */
  readonly verdict: string;
  /** The rule as iptables-save prints it (`-A CHAIN …`), for rule events. */
  readonly rule: string | null;
}

const TRACE_LINE = /^\s*TRACE: \d+ ([0-9a-f]+) ([^:\s]+):([^:\s]+):(rule|return|policy):?(\S*)\s*(.*)$/;

/** Parses one output line; undefined for PACKET lines and anything else. */
export function parseTraceLine(line: string): TraceEvent | undefined {
  const m = TRACE_LINE.exec(line);
  if (m === null) return undefined;
  const type = m[4] as TraceEvent['type'];
  const tail = m[5] ?? '';
  // For rules the first field is the nft handle (0x…): the verdict follows it.
  const verdict = type === 'rule' ? tail.replace(/^0x[0-9a-f]+:?/, '') : tail;
  const text = (m[6] ?? '').trim().replace(/^-4 -t \S+ /, '');
  return { id: m[1] ?? '', table: m[2] ?? '', chain: m[3] ?? '', type, verdict, rule: type === 'rule' && text !== '' ? text : null };
}

export interface PacketLine {
  readonly id: string;
  readonly src: string;
  readonly dst: string;
  readonly sport: number | null;
  readonly dport: number | null;
  /** The header fields that stay the same when TCP retransmits: everything but the IP ID. */
  readonly key: string;
}

const PACKET_LINE = /^\s*PACKET: \d+ ([0-9a-f]+) (.*)$/;

export function parsePacketLine(line: string): PacketLine | undefined {
  const m = PACKET_LINE.exec(line);
  if (m === null) return undefined;
  const fields = (m[2] ?? '').trim().split(/\s+/);
  const get = (name: string): string | undefined => fields.find((f) => f.startsWith(`${name}=`))?.slice(name.length + 1);
  const port = (name: string): number | null => {
    const v = get(name);
    return v === undefined ? null : Number(v);
  };
  return {
    id: m[1] ?? '',
    src: get('SRC') ?? '',
    dst: get('DST') ?? '',
    sport: port('SPORT'),
    dport: port('DPORT'),
    key: fields.filter((f) => !f.startsWith('ID=')).join(' '),
  };
}

/** Sentinels: TCP SYNs from 127.0.0.1:<SENTINEL_PORT_BASE + n> to 127.0.0.1:9, n < SENTINEL_PORTS. */
export const SENTINEL_PORT_BASE = 19000;
export const SENTINEL_PORTS = 1000;
export const SENTINEL_DPORT = 9;

export function isSentinel(p: PacketLine): boolean {
  return p.src === '127.0.0.1' && p.dst === '127.0.0.1' && p.dport === SENTINEL_DPORT && p.sport !== null && p.sport >= SENTINEL_PORT_BASE && p.sport < SENTINEL_PORT_BASE + SENTINEL_PORTS;
}

export interface AttributedEvent extends TraceEvent {
  /** The instance (see above) this event belongs to; -1 when its start was not seen. */
  readonly instance: number;
  /** `<hook> <headers>` at the instance's start; '' when unknown. */
  readonly startKey: string;
  readonly sentinel: boolean;
}

export interface StreamEntry {
  readonly line: string;
  readonly event?: AttributedEvent;
  readonly packet?: PacketLine;
}

/** Our TRACE rule's own event: the start of an instance. */
function isTraceStart(e: TraceEvent): boolean {
  return e.table === 'raw' && e.type === 'rule' && (e.chain === 'PREROUTING' || e.chain === 'OUTPUT') && e.rule !== null && /(^| )-j TRACE$/.test(e.rule);
}

/** One namespace's monitor output, line by line, with every event attributed to its instance. */
export class TraceStream {
  readonly entries: StreamEntry[] = [];
  private readonly lastPacket = new Map<string, PacketLine>();
  private readonly current = new Map<string, { instance: number; startKey: string; sentinel: boolean }>();
  private nextInstance = 0;
  /** Sentinel source port -> position of its first PACKET line. */
  readonly sentinelsAt = new Map<number, number>();

  push(line: string): void {
    const packet = parsePacketLine(line);
    if (packet !== undefined) {
      this.lastPacket.set(packet.id, packet);
      if (isSentinel(packet) && packet.sport !== null && !this.sentinelsAt.has(packet.sport)) this.sentinelsAt.set(packet.sport, this.entries.length);
      this.entries.push({ line, packet });
      return;
    }
    const e = parseTraceLine(line);
    if (e === undefined) {
      this.entries.push({ line });
      return;
    }
    if (isTraceStart(e)) {
      const p = this.lastPacket.get(e.id);
      this.current.set(e.id, { instance: this.nextInstance++, startKey: p === undefined ? '' : `${e.chain} ${p.key}`, sentinel: p !== undefined && isSentinel(p) });
    }
    const c = this.current.get(e.id);
    this.entries.push({ line, event: { ...e, instance: c?.instance ?? -1, startKey: c?.startKey ?? '', sentinel: c?.sentinel ?? false } });
  }
}

/**
 * The events of entries [from, to) that belong to the probe's first packet: sentinel instances and repeated
 * instances (same hook and headers as an earlier one in the window, see above) left out. `repeats` counts the
 * instances left out as repeats, for the report.
 */
export function probeEvents(entries: readonly StreamEntry[], from: number, to: number): { events: TraceEvent[]; repeats: number } {
  const seenKeys = new Set<string>();
  const dropped = new Set<number>();
  const kept = new Set<number>();
  const events: TraceEvent[] = [];
  for (const entry of entries.slice(from, to)) {
    const e = entry.event;
    if (e === undefined || e.sentinel) continue;
    if (e.instance >= 0 && !kept.has(e.instance) && !dropped.has(e.instance)) {
      // An instance's first event decides: a start whose headers an earlier instance already had is a repeat.
      if (e.startKey !== '' && seenKeys.has(e.startKey)) dropped.add(e.instance);
      else {
        kept.add(e.instance);
        if (e.startKey !== '') seenKeys.add(e.startKey);
      }
    }
    if (dropped.has(e.instance)) continue;
    events.push({ id: e.id, table: e.table, chain: e.chain, type: e.type, verdict: e.verdict, rule: e.rule });
  }
  return { events, repeats: dropped.size };
}
