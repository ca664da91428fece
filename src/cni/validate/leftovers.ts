import type { Snapshot } from './sandbox.js';

/**
 * What `after` holds that `before` did not: container links, host links that are not shared devices (bridges and
 * VXLAN devices outlive their pods in upstream's design, so they are not leftovers), IPAM leases, and nat lines other
 * than portmap's shared top-level chains (which upstream keeps forever by design).
 */
export function leftovers(before: Snapshot, after: Snapshot): string[] {
  const out: string[] = [];
  const names = (ls: Snapshot['hostLinks']) => new Set(ls.map((l) => l.name));
  const b = names(before.contLinks);
  for (const l of after.contLinks) if (!b.has(l.name)) out.push(`container link ${l.name} (${l.kind})`);
  const bh = names(before.hostLinks);
  for (const l of after.hostLinks) if (!bh.has(l.name) && l.kind !== 'bridge' && l.kind !== 'vxlan') out.push(`host link ${l.name} (${l.kind}${l.master === undefined ? '' : `, master ${l.master}`})`);
  const bl = new Set(before.leases);
  for (const x of after.leases) if (!bl.has(x)) out.push(`IPAM lease ${x}`);
  const norm = (t: string) => new Set(t.split('\n').filter((l) => l !== '' && !l.startsWith('#')).map((l) => l.replace(/\[\d+:\d+\]/, '')));
  const bi = norm(before.iptables);
  for (const l of norm(after.iptables)) {
    if (bi.has(l) || /CNI-HOSTPORT-(DNAT|SETMARK|MASQ)( |$)/.test(l.replace(/-j CNI-HOSTPORT-\S+$/, '')) || /-j CNI-HOSTPORT-(DNAT|SETMARK|MASQ)$/.test(l)) continue;
    if (l === '*nat' || l === 'COMMIT' || /^:(PREROUTING|INPUT|OUTPUT|POSTROUTING) /.test(l)) continue;
    out.push(`iptables: ${l}`);
  }
  return out;
}
