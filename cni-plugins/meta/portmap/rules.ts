import { chainName, q } from '../../pkg/common.js';
import { networkOf } from '../../pkg/ipam.js';
import type { PortMapConf } from './config.js';

export const TOP_DNAT = 'CNI-HOSTPORT-DNAT';
export const SETMARK = 'CNI-HOSTPORT-SETMARK';
export const MASQ = 'CNI-HOSTPORT-MASQ';

const line = (args: readonly string[]): string => args.map(q).join(' ');

/** Go's %#x/%#x of the mark bit. */
export function markDef(bit: number): string {
  const v = (1 << bit) >>> 0;
  return `0x${v.toString(16)}/0x${v.toString(16)}`;
}

/**
 * The iptables-restore --noflush text of portmap's forwardPorts for one IPv4 container address, given the current
 * nat table: shared chains created once (SETMARK, MASQ jumped to first from POSTROUTING, HOSTPORT-DNAT from PREROUTING
 * and OUTPUT for local destinations), the container's CNI-DN-<hash> chain rewritten whole, its entry rules replaced.
 */
export function forwardRules(c: PortMapConf, containerId: string, address: string, save: string): string {
  const has = (chain: string) => save.split('\n').some((l) => l.startsWith(`:${chain} `));
  const hasRule = (prefix: string) => save.split('\n').some((l) => l.startsWith(prefix));
  const dn = chainName(c.name, containerId, 'DN-');
  const ip = address.split('/')[0] ?? '';
  const setMark = c.externalSetMarkChain ?? SETMARK;
  const out = ['*nat'];
  if (c.snat && c.externalSetMarkChain === undefined) {
    if (!has(SETMARK)) out.push(`:${SETMARK} - [0:0]`, line(['-A', SETMARK, '-m', 'comment', '--comment', 'CNI portfwd masquerade mark', '-j', 'MARK', '--set-xmark', markDef(c.markMasqBit)]));
    if (!has(MASQ)) out.push(`:${MASQ} - [0:0]`, line(['-A', MASQ, '-m', 'mark', '--mark', markDef(c.markMasqBit), '-j', 'MASQUERADE']));
    if (!hasRule(`-A POSTROUTING -m comment --comment "CNI portfwd requiring masquerade" -j ${MASQ}`)) {
      out.push(line(['-I', 'POSTROUTING', '1', '-m', 'comment', '--comment', 'CNI portfwd requiring masquerade', '-j', MASQ]));
    }
  }
  if (!has(TOP_DNAT)) out.push(`:${TOP_DNAT} - [0:0]`);
  for (const from of ['PREROUTING', 'OUTPUT']) {
    if (!hasRule(`-A ${from} -m addrtype --dst-type LOCAL -j ${TOP_DNAT}`)) out.push(line(['-A', from, '-m', 'addrtype', '--dst-type', 'LOCAL', '-j', TOP_DNAT]));
  }
  for (const l of entryJumps(save, dn)) out.push(`-D${l.slice(2)}`);
  out.push(`:${dn} - [0:0]`);
  const comment = `dnat name: "${c.name}" id: "${containerId}"`;
  const byProto = new Map<string, number[]>();
  for (const m of c.portMappings) byProto.set(m.protocol, [...(byProto.get(m.protocol) ?? []), m.hostPort]);
  for (const proto of [...byProto.keys()].sort()) {
    const ports = [...new Set(byProto.get(proto) ?? [])];
    for (let i = 0; i < ports.length; i += 15) {
      out.push(line(['-A', TOP_DNAT, '-p', proto, '-m', 'comment', '--comment', comment, '-m', 'multiport', '--dports', ports.slice(i, i + 15).join(','), ...c.conditionsV4, '-j', dn]));
    }
  }
  for (const m of c.portMappings) {
    if (m.hostIP.includes(':')) continue;
    const base = ['-p', m.protocol, ...(m.hostIP !== '' && m.hostIP !== '0.0.0.0' ? ['-d', `${m.hostIP}/32`] : []), '-m', m.protocol, '--dport', String(m.hostPort)];
    if (c.snat) {
      out.push(line(['-A', dn, ...withSrc(base, networkOf(address)), '-j', setMark]));
      out.push(line(['-A', dn, ...withSrc(base, '127.0.0.1/32'), '-j', setMark]));
    }
    out.push(line(['-A', dn, ...base, '-j', 'DNAT', '--to-destination', `${ip}:${m.containerPort}`]));
  }
  out.push('COMMIT', '');
  return out.join('\n');
}

/** iptables-save puts -s before -d and the protocol match: keep that order so rules compare equal. */
function withSrc(base: readonly string[], src: string): string[] {
  return ['-s', src, ...base];
}

/** The container's chain and its entry rules go; the shared chains stay, as upstream leaves them. */
export function unforwardRules(c: PortMapConf, containerId: string, save: string): string | undefined {
  const dn = chainName(c.name, containerId, 'DN-');
  const out = ['*nat', ...entryJumps(save, dn).map((l) => `-D${l.slice(2)}`)];
  if (save.split('\n').some((l) => l.startsWith(`:${dn} `))) out.push(`-F ${dn}`, `-X ${dn}`);
  if (out.length === 1) return undefined;
  out.push('COMMIT', '');
  return out.join('\n');
}

export function entryJumps(save: string, dn: string): string[] {
  return save.split('\n').filter((l) => l.startsWith(`-A ${TOP_DNAT} `) && l.endsWith(` -j ${dn}`));
}
