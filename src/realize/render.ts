import type { RealizedState } from './state.js';
import type { VerifyReport } from './verify.js';

/** The human report of `kubewire verify`: the summary, every disagreement with both sides' evidence, coverage. */
export function renderVerifyReport(r: VerifyReport, topology: string): string {
  const lines: string[] = [];
  const s = r.summary;
  lines.push(`verify ${topology} (${r.prefix}): ${s.probes} probes, ${s.agreed} agreed, ${s.disagreed} disagreed`);
  if (!r.rulesCompared) lines.push("rules: NOT compared (nftables mode: xtables-monitor cannot print kube-proxy's nft rules); only delivery, the source seen and distributions were");
  for (const p of r.probes) {
    if (p.agreed) continue;
    const svc = p.service === undefined ? '' : ` (${p.service} ${p.serviceType ?? ''}, externalTrafficPolicy ${p.trafficPolicy ?? 'Cluster'})`;
    lines.push('', `DISAGREE probe ${p.index + 1}: ${p.kind} ${p.from} -> ${p.to}/${p.proto} sport ${p.sport}${svc}`);
    lines.push(`  real:     ${p.real.kind === 'answered' ? `answered by ${p.real.pod}, source seen ${p.real.source}` : `${p.real.kind} (${p.real.error})`}`);
    lines.push(`  emulated: ${p.emulated.map((e) => (e.verdict === 'delivered' ? `${e.pod ?? '?'} from ${e.sourceSeen ?? '?'} p=${e.probability}` : `${e.verdict} p=${e.probability}`)).join('; ')}`);
    for (const d of p.disagreements) lines.push(`  [${d.check}] ${d.message}`);
    if (p.rules !== undefined) {
      for (const ns of [...new Set([...Object.keys(p.rules.emulated), ...Object.keys(p.rules.real)])].sort()) {
        const a = p.rules.emulated[ns] ?? [];
        const b = p.rules.real[ns] ?? [];
        if (a.join('\n') === b.join('\n')) continue;
        lines.push(`  ${ns} emulated rules:`, ...a.map((x) => `    ${x}`), `  ${ns} rules the kernel reported (TRACE):`, ...b.map((x) => `    ${x}`));
      }
    }
  }
  const cover = new Map<string, { n: number; ok: number }>();
  for (const p of r.probes) {
    const k = `${p.kind}${p.serviceType === undefined ? '' : ` ${p.serviceType}`}${p.trafficPolicy === undefined ? '' : ` ${p.trafficPolicy}`} ${p.proto}`;
    const c = cover.get(k) ?? { n: 0, ok: 0 };
    c.n++;
    if (p.agreed) c.ok++;
    cover.set(k, c);
  }
  lines.push('', 'coverage (kind, Service type, traffic policy, protocol: agreed/probes):');
  for (const [k, c] of [...cover.entries()].sort()) lines.push(`  ${k}: ${c.ok}/${c.n}`);
  const dist = r.probes.filter((p) => p.distribution !== undefined);
  if (dist.length > 0) {
    lines.push('', `distribution checks (chi-square at 1%): ${dist.filter((p) => p.distribution?.fits === true).length}/${dist.length} fit`);
    for (const p of dist) lines.push(`  ${p.from} -> ${p.to}: ${p.distribution?.message ?? ''}`);
  }
  const t = r.timings;
  lines.push('', `time: realize ${(t.realizeMs / 1000).toFixed(1)} s${r.realizedHere ? '' : ' (already up)'}, probes ${(t.probesMs / 1000).toFixed(1)} s, teardown ${(t.teardownMs / 1000).toFixed(1)} s`);
  return lines.join('\n') + '\n';
}

/** `--json`: the summary and every probe. */
export function verifyReportJson(r: VerifyReport): unknown {
  return { summary: r.summary, prefix: r.prefix, timings: r.timings, rulesCompared: r.rulesCompared, probes: r.probes };
}

/** What `kubewire realize` prints once the cluster is up: where everything is and how to get in. */
export function renderRealized(s: RealizedState): string {
  const lines = [`${s.prefix}: ${s.namespaces.length} namespaces (topology ${s.topology}); CNI plugins from ${s.cniPath.join(':')}`];
  lines.push(`  switch   ${s.switchNs}`);
  for (const [n, v] of Object.entries(s.nodes)) lines.push(`  node     ${n.padEnd(32)} ${v.netns}`);
  for (const [n, v] of Object.entries(s.externals)) lines.push(`  external ${n.padEnd(32)} ${v.netns}`);
  for (const [k, v] of Object.entries(s.pods)) lines.push(`  pod      ${k.padEnd(32)} ${v.netns}  ${v.ip} on ${v.node}`);
  const somePod = Object.values(s.pods)[0];
  if (somePod !== undefined) lines.push('', `enter one: sudo ip netns exec ${somePod.netns} bash`);
  lines.push(`remove it: sudo kubewire down ${s.topology}`);
  return lines.join('\n') + '\n';
}
