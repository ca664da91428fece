import { type Ip4, ip4ToString, tryParseIp4 } from '../../addr/index.js';
import { InputError } from '../../lib/index.js';
import { type ForwardMethod, type IpvsProtocol, PROTO_NUMBER, type RealServer, SCHEDULERS, type SchedulerName, type VirtualServer, type VirtualService } from './types.js';

/**
 * ipvsadm's text forms (ipvsadm.c print_service_entry): `ipvsadm -Ln` (the table) and
 * `ipvsadm -S -n` (rules that `ipvsadm -R` reads back). Both list services sorted by protocol,
 * address and port, and destinations by address and port (ipvs_cmp_services / ipvs_cmp_dests).
 */
const ALL_ONES = 0xffffffff as Ip4;
const PROTO_FLAG: Readonly<Record<IpvsProtocol, string>> = { TCP: '-t', UDP: '-u', SCTP: '--sctp-service' };
const FWD_FLAG: Readonly<Record<ForwardMethod, string>> = { Masq: '-m', Local: '-g', Route: '-g', Tunnel: '-i' };

function sorted(services: readonly VirtualService[]): VirtualService[] {
  const cmpSvc = (a: VirtualService, b: VirtualService): number =>
    PROTO_NUMBER[a.vs.protocol] - PROTO_NUMBER[b.vs.protocol] || a.vs.address - b.vs.address || a.vs.port - b.vs.port;
  return [...services].sort(cmpSvc).map((s) => ({ vs: s.vs, dests: [...s.dests].sort((a, b) => a.address - b.address || a.port - b.port) }));
}

const addrPort = (ip: Ip4, port: number): string => `${ip4ToString(ip)}:${port}`;

/** `ipvsadm -Ln` output. */
export function printIpvsadmList(services: readonly VirtualService[]): string {
  const out = ['IP Virtual Server version 1.2.1 (size=4096)', 'Prot LocalAddress:Port Scheduler Flags', '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn'];
  for (const s of sorted(services)) {
    const vs = s.vs;
    let line = `${vs.protocol}  ${addrPort(vs.address, vs.port)}`.slice(0, 33) + ` ${vs.scheduler}`;
    if (vs.persistent !== undefined) {
      line += ` persistent ${vs.persistent.timeout}`;
      if (vs.persistent.netmask !== ALL_ONES) line += ` mask ${ip4ToString(vs.persistent.netmask)}`;
    }
    if (vs.flags.length > 0) line += ` (${vs.flags.join(',')})`;
    out.push(line);
    for (const d of s.dests) {
      out.push(`  -> ${addrPort(d.address, d.port).slice(0, 28).padEnd(28)} ${d.forward.padEnd(7)} ${String(d.weight).padEnd(6)} ${String(d.activeConn).padEnd(10)} ${String(d.inactConn).padEnd(10)}`.trimEnd());
    }
  }
  return `${out.join('\n')}\n`;
}

/** `ipvsadm -S -n` output. */
export function printIpvsadmSave(services: readonly VirtualService[]): string {
  const out: string[] = [];
  for (const s of sorted(services)) {
    const vs = s.vs;
    const name = `${PROTO_FLAG[vs.protocol]} ${addrPort(vs.address, vs.port)}`;
    let line = `-A ${name} -s ${vs.scheduler}`;
    if (vs.flags.length > 0) line += ` -b ${vs.flags.join(',')}`;
    if (vs.persistent !== undefined) {
      line += ` -p ${vs.persistent.timeout}`;
      if (vs.persistent.netmask !== ALL_ONES) line += ` -M ${ip4ToString(vs.persistent.netmask)}`;
    }
    out.push(line);
    for (const d of s.dests) out.push(`-a ${name} -r ${addrPort(d.address, d.port)} ${FWD_FLAG[d.forward]} -w ${d.weight}`);
  }
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}

function fail(where: string, lineNo: number, msg: string): never {
  throw new InputError('KW_IPVS_PARSE', `line ${lineNo}: ${msg}`, { where });
}

function parseAddrPort(text: string | undefined, where: string, lineNo: number): { ip: Ip4; port: number } {
  const m = /^(\d+\.\d+\.\d+\.\d+):(\d+)$/.exec(text ?? '');
  const ip = m?.[1] === undefined ? undefined : tryParseIp4(m[1]);
  const port = Number(m?.[2]);
  if (ip === undefined || !(port >= 0 && port <= 65535)) fail(where, lineNo, `"${text ?? ''}" is not an IPv4 address:port`);
  return { ip, port };
}

function parseScheduler(s: string | undefined, where: string, lineNo: number): SchedulerName {
  if (!(SCHEDULERS as readonly string[]).includes(s ?? '')) fail(where, lineNo, `unknown scheduler "${s ?? ''}" (modelled: ${SCHEDULERS.join(', ')})`);
  return s as SchedulerName;
}

function parseMask(s: string | undefined, where: string, lineNo: number): Ip4 {
  const m = s === undefined ? undefined : tryParseIp4(s);
  if (m === undefined) fail(where, lineNo, `bad netmask "${s ?? ''}"`);
  return m;
}

class Builder {
  private readonly order: string[] = [];
  private readonly map = new Map<string, { vs: VirtualServer; dests: RealServer[] }>();
  addService(vs: VirtualServer, where: string, lineNo: number): void {
    const k = `${vs.protocol}/${vs.address}/${vs.port}`;
    if (this.map.has(k)) fail(where, lineNo, `virtual service ${vs.protocol} ${addrPort(vs.address, vs.port)} is defined twice`);
    this.order.push(k);
    this.map.set(k, { vs, dests: [] });
  }
  addDest(k: string, d: RealServer, where: string, lineNo: number): void {
    const s = this.map.get(k);
    if (s === undefined) fail(where, lineNo, 'real server before its virtual service');
    if (s.dests.some((x) => x.address === d.address && x.port === d.port)) fail(where, lineNo, `real server ${addrPort(d.address, d.port)} is listed twice`);
    s.dests.push(d);
  }
  result(): VirtualService[] {
    return this.order.map((k) => this.map.get(k)).filter((x): x is { vs: VirtualServer; dests: RealServer[] } => x !== undefined);
  }
}

/** Parses `ipvsadm -S -n` (or `ipvsadm-save -n`) text; throws KW_IPVS_PARSE naming the line. */
export function parseIpvsadmSave(text: string, where = 'ipvsadm -S'): VirtualService[] {
  const b = new Builder();
  text.split('\n').forEach((raw, i) => {
    const lineNo = i + 1;
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const w = line.split(/\s+/);
    const cmd = w[0];
    if (cmd !== '-A' && cmd !== '-a') fail(where, lineNo, `expected -A or -a, got "${cmd ?? ''}"`);
    const protoFlag = w[1];
    const protocol: IpvsProtocol | undefined = protoFlag === '-t' ? 'TCP' : protoFlag === '-u' ? 'UDP' : protoFlag === '--sctp-service' ? 'SCTP' : undefined;
    if (protocol === undefined) fail(where, lineNo, `expected -t, -u or --sctp-service, got "${protoFlag ?? ''}" (fwmark services are not modelled)`);
    const { ip, port } = parseAddrPort(w[2], where, lineNo);
    const opts = w.slice(3);
    const opt = (flag: string): string | undefined => {
      const j = opts.indexOf(flag);
      return j < 0 ? undefined : (opts[j + 1] ?? fail(where, lineNo, `${flag} needs a value`));
    };
    const known = cmd === '-A' ? new Set(['-s', '-p', '-M', '-b', '-r']) : new Set(['-r', '-w', '-m', '-g', '-i']);
    for (let j = 0; j < opts.length; j++) {
      const o = opts[j] ?? '';
      if (!known.has(o)) fail(where, lineNo, `unexpected "${o}"`);
      if (o !== '-m' && o !== '-g' && o !== '-i') j++;
    }
    if (cmd === '-A') {
      const scheduler = parseScheduler(opt('-s') ?? 'wlc', where, lineNo);
      const p = opt('-p');
      const timeout = p === undefined ? undefined : Number(p);
      if (timeout !== undefined && !(Number.isInteger(timeout) && timeout > 0)) fail(where, lineNo, `bad persistence timeout "${p ?? ''}"`);
      const m = opt('-M');
      const flags = opt('-b')?.split(',') ?? [];
      const vs: VirtualServer = { protocol, address: ip, port, scheduler, flags, ...(timeout === undefined ? {} : { persistent: { timeout, netmask: m === undefined ? ALL_ONES : parseMask(m, where, lineNo) } }) };
      b.addService(vs, where, lineNo);
      return;
    }
    const r = parseAddrPort(opt('-r'), where, lineNo);
    const wt = Number(opt('-w') ?? '1');
    if (!(Number.isInteger(wt) && wt >= 0 && wt <= 65535)) fail(where, lineNo, `bad weight "${opt('-w') ?? ''}"`);
    const forward: ForwardMethod = opts.includes('-m') ? 'Masq' : opts.includes('-i') ? 'Tunnel' : 'Route';
    b.addDest(`${protocol}/${ip}/${port}`, { address: r.ip, port: r.port, weight: wt, forward, activeConn: 0, inactConn: 0 }, where, lineNo);
  });
  return b.result();
}

/** Parses `ipvsadm -Ln` output (numeric), including the connection counters; throws KW_IPVS_PARSE naming the line. */
export function parseIpvsadmList(text: string, where = 'ipvsadm -Ln'): VirtualService[] {
  const b = new Builder();
  let current: string | undefined;
  text.split('\n').forEach((raw, i) => {
    const lineNo = i + 1;
    const line = raw.trimEnd();
    if (line.trim() === '' || line.startsWith('IP Virtual Server') || line.startsWith('Prot LocalAddress') || line.trim().startsWith('-> RemoteAddress')) return;
    const dm = /^\s+->\s+(\S+)\s+(Masq|Local|Route|Tunnel)\s+(\d+)\s+(\d+)\s+(\d+)$/.exec(line);
    if (dm !== null) {
      if (current === undefined) fail(where, lineNo, 'real server before its virtual service');
      const r = parseAddrPort(dm[1], where, lineNo);
      b.addDest(current, { address: r.ip, port: r.port, forward: dm[2] as ForwardMethod, weight: Number(dm[3]), activeConn: Number(dm[4]), inactConn: Number(dm[5]) }, where, lineNo);
      return;
    }
    const sm = /^(TCP|UDP|SCTP)\s+(\S+)\s+(\S+)(?:\s+persistent\s+(\d+)(?:\s+mask\s+(\S+))?)?(?:\s+\(([\w,-]+)\))?$/.exec(line);
    if (sm === null) fail(where, lineNo, `not a service or real-server line: "${line.trim()}"`);
    const protocol = sm[1] as IpvsProtocol;
    const { ip, port } = parseAddrPort(sm[2], where, lineNo);
    const scheduler = parseScheduler(sm[3], where, lineNo);
    const vs: VirtualServer = {
      protocol,
      address: ip,
      port,
      scheduler,
      flags: sm[6]?.split(',') ?? [],
      ...(sm[4] === undefined ? {} : { persistent: { timeout: Number(sm[4]), netmask: sm[5] === undefined ? ALL_ONES : parseMask(sm[5], where, lineNo) } }),
    };
    b.addService(vs, where, lineNo);
    current = `${protocol}/${ip}/${port}`;
  });
  return b.result();
}
