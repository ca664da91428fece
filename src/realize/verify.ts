import { ip4ToString } from '../addr/index.js';
import { type Cluster, traceInCluster } from '../cluster/index.js';
import { NodeCommandRunner, type CommandRunner } from '../kernel/index.js';
import { InputError, KubewireError } from '../lib/index.js';
import { ClientPool } from './clients.js';
import { type Disagreement, type PathSummary, type RealOutcome, type RuleLists, classify, compareProbe, realRules, summarizePath } from './compare.js';
import { inNs, must } from './exec.js';
import { TraceMonitor, installTraceRules, removeTraceRules } from './monitor.js';
import { SENTINEL_DPORT, probeEvents } from './trace-stream.js';
import { checkPrefix, prefixFor } from './names.js';
import { type ProbeSpec, candidateProbes, parseGivenProbe, pickProbes } from './probes.js';
import { type RealizeOptions, realize } from './realize.js';
import { StateStore, type RealizedState } from './state.js';
import { preflight } from './preflight.js';
import { teardown } from './teardown.js';
import { type DistributionResult, runDistribution } from './distribution.js';


export interface VerifyOptions {
  /** How many probes to pick (default 50); ignored when `given` is non-empty. */
  readonly probes?: number;
  readonly seed?: number;
  /** Probes given as `<from>,<ip>:<port>[,tcp|udp]`. */
  readonly given?: readonly string[];
  /** Connections per distribution check (default 120). */
  readonly connections?: number;
  readonly prefix?: string;
  readonly store?: StateStore;
  readonly runner?: CommandRunner;
  /** Used when the topology is not up yet (verify then takes it down afterwards). */
  readonly realize?: RealizeOptions;
  readonly onProgress?: (text: string, done?: number, total?: number) => void;
  /**
   * Runs once the cluster is up, before the first probe; the function it returns runs after the last probe (and
   * before a teardown). The CLI uses it to capture packets during the probes (`verify --capture`).
   */
  readonly around?: (state: RealizedState) => Promise<() => Promise<void>>;
}

export interface ProbeReport {
  readonly index: number;
  readonly kind: ProbeSpec['kind'];
  readonly from: string;
  readonly to: string;
  readonly proto: 'tcp' | 'udp';
  readonly sport: number;
  readonly service?: string;
  readonly serviceType?: string;
  readonly trafficPolicy?: string;
  readonly agreed: boolean;
  readonly disagreements: readonly Disagreement[];
  readonly emulated: readonly { readonly probability: string; readonly verdict: string; readonly pod: string | null; readonly sourceSeen: string | null }[];
  readonly real: RealOutcome;
  /** Both sides' rule lists, when they disagree. */
  readonly rules?: { readonly emulated: RuleLists; readonly real: RuleLists };
  /**
   * The rules the kernel reported hitting (xtables-monitor --trace), per node, whenever rules were compared: on an
   * agreed probe they are the emulated path's too, so a user sees what was checked, not only that it passed.
   */
  readonly kernelRules?: RuleLists;
  /** When they disagree: what xtables-monitor printed in each node during the probe, as evidence. */
  readonly trace?: Readonly<Record<string, readonly string[]>>;
  /** Traced packets left out of the comparison as repeats of the first (TCP SYN retransmissions), when any. */
  readonly repeatedPackets?: number;
  readonly distribution?: DistributionResult;
}

export interface VerifyReport {
  readonly summary: { readonly probes: number; readonly agreed: number; readonly disagreed: number };
  readonly probes: readonly ProbeReport[];
  readonly prefix: string;
  readonly realizedHere: boolean;
  readonly timings: { readonly realizeMs: number; readonly probesMs: number; readonly teardownMs: number };
  /**
   * Whether the rules each probe hit were compared. Not in nftables mode: xtables-monitor cannot print kube-proxy's
   * native nft rules (it exits on them), so there only delivery, the source seen and distributions are compared.
   */
  readonly rulesCompared: boolean;
}

const SPORT_BASE = 20000;
const ICMP_GAP_MS = 2100;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * `kubewire verify`: realizes the topology if it is not up, traces each probe in the emulator, runs it for real
 * with TRACE rules and xtables-monitor on every node, and compares outcome, source and rules; Services with several
 * endpoints also get a distribution check. Takes down what it realized, whatever happens.
 */
export async function verify(cluster: Cluster, o: VerifyOptions = {}): Promise<VerifyReport> {
  const store = o.store ?? new StateStore();
  const runner = o.runner ?? new NodeCommandRunner();
  const prefix = checkPrefix(o.prefix ?? o.realize?.prefix ?? prefixFor(cluster.topology.file));
  const probes = (o.given ?? []).length > 0 ? (o.given ?? []).map((g) => parseGivenProbe(g, cluster)) : pickProbes(candidateProbes(cluster), o.probes ?? 50, o.seed ?? 1);
  if (probes.length > 15000) throw new InputError('KW_VERIFY_PROBES', `${probes.length} probes is too many (at most 15000: each needs its own source port)`);
  // A distribution check over no connections would read as a miss (0 of 0 where the trace expects some).
  if (o.connections !== undefined && (!Number.isInteger(o.connections) || o.connections < 1)) {
    throw new InputError('KW_VERIFY_CONNECTIONS', `connections ${o.connections} is not a positive whole number: each distribution check needs connections to count`);
  }
  const progress = o.onProgress ?? (() => undefined);
  preflight({ uid: o.realize?.uid ?? process.getuid?.(), path: o.realize?.path ?? process.env['PATH'] ?? '', tools: ['ip', 'iptables', 'xtables-monitor', 'stdbuf', 'conntrack'] });
  let state = store.load(prefix);
  if (state !== undefined && state.status !== 'up') {
    throw new KubewireError('KW_VERIFY_HALF_UP', `${prefix} is half realized (state ${store.file(prefix)} says "${state.status}"): run kubewire down ${cluster.topology.file} or kubewire cleanup first`);
  }
  const t0 = performance.now();
  const realizedHere = state === undefined;
  if (state === undefined) {
    progress('realizing the topology');
    state = await realize(cluster, { ...o.realize, prefix, store, runner });
  }
  const t1 = performance.now();
  let reports: ProbeReport[] = [];
  let t2 = t1;
  try {
    checkAddresses(cluster, state);
    const after = o.around === undefined ? undefined : await o.around(state);
    try {
      reports = await runProbes(cluster, state, probes, runner, o, progress);
    } finally {
      await after?.();
    }
    t2 = performance.now();
  } finally {
    if (realizedHere) {
      progress('taking the topology down');
      await teardown(prefix, { runner, store });
    }
  }
  const t3 = performance.now();
  const agreed = reports.filter((r) => r.agreed).length;
  return {
    summary: { probes: reports.length, agreed, disagreed: reports.length - agreed },
    probes: reports,
    prefix,
    realizedHere,
    timings: { realizeMs: Math.round(t1 - t0), probesMs: Math.round(t2 - t1), teardownMs: Math.round(t3 - t2) },
    rulesCompared: rulesTraced(cluster),
  };
}

/** Whether verify can trace the rules a probe hits: not in nftables mode (see VerifyReport.rulesCompared). */
function rulesTraced(cluster: Cluster): boolean {
  return (cluster.proxies.values().next().value?.mode ?? cluster.topology.cluster.proxyMode) !== 'nftables';
}

function checkAddresses(cluster: Cluster, state: RealizedState): void {
  for (const [key, p] of Object.entries(state.pods)) {
    const emu = cluster.pods.get(key);
    if (emu === undefined || ip4ToString(emu.ip) !== p.ip) {
      throw new KubewireError('KW_VERIFY_STALE', `the realized ${state.prefix} does not match the topology (pod ${key}: real ${p.ip}, emulated ${emu === undefined ? 'absent' : ip4ToString(emu.ip)}): run kubewire down and realize again`);
    }
  }
}

function sourceNetns(state: RealizedState, from: string): string {
  const [kind, ...rest] = from.split('/');
  const name = rest.join('/');
  const ns = kind === 'pod' ? state.pods[name]?.netns : kind === 'node' ? state.nodes[name]?.netns : kind === 'external' ? state.externals[name]?.netns : undefined;
  if (ns === undefined) throw new InputError('KW_VERIFY_PROBE', `probe source ${from} was not realized (host-network pods send from their node: use node/<name>)`);
  return ns;
}

async function runProbes(cluster: Cluster, state: RealizedState, probes: readonly ProbeSpec[], runner: CommandRunner, o: VerifyOptions, progress: NonNullable<VerifyOptions['onProgress']>): Promise<ProbeReport[]> {
  const nodeNs = new Map(Object.entries(state.nodes).map(([name, n]) => [n.netns, `node/${name}`] as const));
  const clients = new ClientPool();
  const traced = rulesTraced(cluster);
  let monitors = traced ? [...nodeNs.keys()].map((ns) => new TraceMonitor(ns)) : [];
  const out: ProbeReport[] = [];
  const pending: { index: number; ns: string; probe: ProbeSpec & { src: string }; paths: PathSummary[] }[] = [];
  try {
    if (traced) for (const ns of nodeNs.keys()) await installTraceRules(runner, ns);
    let marks = await barriers(clients, monitors);
    const distributionKeys = new Set<string>();
    let lastIcmp = -Infinity;
    // Phase 1: one traced connection per probe.
    for (const [i, probe] of probes.entries()) {
      progress(`probe ${probe.from} -> ${probe.dst}:${probe.dport}/${probe.proto}`, i, probes.length);
      if (monitors.some((m) => !m.alive)) {
        monitors = monitors.map((m) => (m.alive ? m : new TraceMonitor(m.netns)));
        marks = await barriers(clients, monitors);
      }
      const sport = SPORT_BASE + i;
      const trace = traceInCluster(cluster, { from: probe.from, to: `${probe.dst}:${probe.dport}`, proto: probe.proto, sport });
      const paths = trace.paths.map(summarizePath);
      const src = ip4ToString(trace.packet.src);
      const ns = sourceNetns(state, probe.from);
      if (paths.some((p) => p.verdict === 'rejected' || p.verdict === 'unreachable' || p.verdict === 'expired')) {
        // The kernel rate-limits ICMP errors per source (about two in a burst, then one per 2 s).
        const wait = lastIcmp + ICMP_GAP_MS - performance.now();
        if (wait > 0) await sleep(wait);
        lastIcmp = performance.now();
      }
      // The emulator traces each probe from an empty conntrack table; so does the kernel (else a reused VXLAN
      // outer flow would skip the nat table).
      await Promise.all([...nodeNs.keys()].map((n) => must(runner, inNs(n, ['conntrack', '-F'])).catch(() => undefined)));
      const answer = await clients.send(ns, { proto: probe.proto, src, sport, dst: probe.dst, dport: probe.dport, timeoutMs: probe.proto === 'tcp' ? 900 : 2000 });
      // The probe is over (answered, refused or given up on): once each node's monitor has printed a sentinel sent
      // now, it has printed everything this probe's packets made the kernel report there.
      const lost = monitors.filter((m) => !m.alive).map((m) => m.netns);
      if (lost.length > 0) throw new KubewireError('KW_VERIFY_MONITOR', `xtables-monitor in ${lost.join(', ')} exited during probe ${i + 1}; its trace is incomplete`);
      const ends = await barriers(clients, monitors);
      const windows = monitors.map((m, j) => ({ m, from: marks[j] ?? 0, to: ends[j] ?? 0 }));
      marks = ends;
      const picked = windows.map(({ m, from, to }) => ({ node: nodeNs.get(m.netns) ?? m.netns, from, to, m, ...probeEvents(m.stream.entries, from, to) }));
      const repeatedPackets = picked.reduce((a, w) => a + w.repeats, 0);
      const real = classify(answer);
      const rules = realRules(new Map(picked.map((w) => [w.node, w.events] as const)));
      const cmp = traced ? compareProbe(paths, real, rules) : compareProbe(paths.map((p) => ({ ...p, rules: {} })), real, {});
      const disagreements = [...cmp.disagreements];
      // One distribution check per probe kind and destination (a Service port, or an address): dozens of checks at
      // 1% each would raise false alarms by sheer number.
      const key = `${probe.kind} ${probe.service ?? probe.dst}:${probe.dport}/${probe.proto}`;
      if (new Set(paths.filter((p) => p.verdict === 'delivered').map((p) => p.pod)).size > 1 && !distributionKeys.has(key)) {
        distributionKeys.add(key);
        pending.push({ index: i, ns, probe: { ...probe, src }, paths });
      }
      const rulePath = cmp.path === null ? undefined : paths[cmp.path];
      out.push({
        index: i, kind: probe.kind, from: probe.from, to: `${probe.dst}:${probe.dport}`, proto: probe.proto, sport,
        ...(probe.service === undefined ? {} : { service: probe.service }),
        ...(probe.serviceType === undefined ? {} : { serviceType: probe.serviceType }),
        ...(probe.trafficPolicy === undefined ? {} : { trafficPolicy: probe.trafficPolicy }),
        agreed: disagreements.length === 0,
        disagreements,
        emulated: paths.map((p: PathSummary) => ({ probability: p.exact, verdict: p.verdict, pod: p.pod, sourceSeen: p.sourceSeen })),
        real,
        ...(traced ? { kernelRules: rules } : {}),
        ...(disagreements.length > 0 ? { rules: { emulated: rulePath?.rules ?? paths[0]?.rules ?? {}, real: rules } } : {}),
        ...(disagreements.length > 0 ? { trace: Object.fromEntries(picked.map((w) => [w.node, w.m.stream.entries.slice(w.from, w.to).map((e) => e.line)])) } : {}),
        ...(repeatedPackets > 0 ? { repeatedPackets } : {}),
      });
    }
    // Phase 2, untraced (a burst of TRACE events would overflow the monitors): where many connections land.
    await Promise.all(monitors.map((m) => m.close()));
    for (const ns of nodeNs.keys()) await removeTraceRules(runner, ns);
    const n = o.connections ?? 120;
    for (const [j, d] of pending.entries()) {
      progress(`distribution over ${n} connections: ${d.probe.from} -> ${d.probe.dst}:${d.probe.dport}/${d.probe.proto}`, j, pending.length);
      let distribution = await runDistribution(clients, d.ns, d.probe, d.paths, n, 40000 + ((2 * j * n) % 20000));
      if (!distribution.fits && distribution.pValue > 0) {
        // A miss at 1% happens by chance once in a hundred: it counts only if a second, independent sample
        // misses too (landing where the emulator says nothing can land needs no second look).
        const again = await runDistribution(clients, d.ns, d.probe, d.paths, n, 40000 + (((2 * j + 1) * n) % 20000));
        distribution = again.fits
          ? { ...again, message: `${again.message} (a first sample missed: ${distribution.message})` }
          : { ...again, message: `${again.message}; a first sample missed too (p=${distribution.pValue.toExponential(2)})` };
      }
      const r = out[d.index];
      if (r === undefined) continue;
      const disagreements = distribution.fits ? r.disagreements : [...r.disagreements, { check: 'distribution' as const, message: distribution.message, emulated: distribution.expected, real: distribution.observed }];
      out[d.index] = { ...r, distribution, disagreements, agreed: disagreements.length === 0 };
    }
  } finally {
    await clients.close();
    await Promise.all(monitors.map((m) => m.close()));
    for (const ns of nodeNs.keys()) await removeTraceRules(runner, ns).catch(() => undefined);
  }
  return out;
}

/** Each monitor's stream position once it has printed a sentinel sent now (all monitors at once). */
function barriers(clients: ClientPool, monitors: readonly TraceMonitor[]): Promise<number[]> {
  return Promise.all(
    monitors.map((m) =>
      // The first sentinels may come before xtables-monitor has subscribed: they are sent again after 300 ms, then less often. 20 s
      // bounds the wait; a monitor that far behind fails the run rather than give a truncated trace.
      m.barrier((sport) => clients.send(m.netns, { proto: 'tcp', src: '127.0.0.1', sport, dst: '127.0.0.1', dport: SENTINEL_DPORT, timeoutMs: 500 }), { timeoutMs: 20000, resendMs: 300 }),
    ),
  );
}
