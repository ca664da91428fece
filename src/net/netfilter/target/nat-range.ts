import { type Ip4, ip4, ip4ToString, tryParseIp4 } from '../../../addr/index.js';
import { fastIp4 } from '../match/ip-header.js';
import { type BuildCtx, type ParsedOpt, isDigits, single } from '../match/module.js';

/** A NAT range as `--to-destination/--to-source` take it: `ip[-ip][:port[-port]]`. */
export interface NatRange {
  readonly minIp: Ip4;
  readonly maxIp: Ip4;
  readonly ports: readonly [number, number] | undefined;
}

export function parsePorts(text: string, b: BuildCtx): [number, number] {
  const m = isDigits(text) ? [text, text, undefined] : /^(\d+)(?:-(\d+))?$/.exec(text);
  const lo = m === null ? NaN : Number(m[1]);
  const hi = m === null ? NaN : m[2] === undefined ? lo : Number(m[2]);
  if (!(lo >= 0 && hi <= 65535 && lo <= hi)) b.fail(`invalid port range "${text}"`);
  return [lo, hi];
}

export function parseNatRange(text: string, b: BuildCtx, needPorts: boolean): NatRange {
  const colon = text.indexOf(':');
  const ipPart = colon < 0 ? text : text.slice(0, colon);
  const portPart = colon < 0 ? undefined : text.slice(colon + 1);
  const [a, z, extra] = ipPart.split('-');
  const minIp = a === undefined ? undefined : strictIp4(a);
  const maxIp = z === undefined ? minIp : strictIp4(z);
  if (minIp === undefined || maxIp === undefined || extra !== undefined || maxIp < minIp) return b.fail(`bad IP address "${ipPart}"`);
  if (portPart !== undefined && !needPorts) b.fail('need TCP, UDP, SCTP or DCCP with port specification');
  return { minIp, maxIp, ports: portPart === undefined ? undefined : parsePorts(portPart, b) };
}

/** tryParseIp4 (no octal-looking leading zeros), with a fast path for the plain dotted quads kube-proxy writes. */
function strictIp4(text: string): Ip4 | undefined {
  const n = fastIp4(text);
  if (n !== undefined && !/(^|\.)0\d/.test(text)) return ip4(n);
  return tryParseIp4(text);
}

export function natRangeText(r: NatRange): string {
  const ip = r.minIp === r.maxIp ? ip4ToString(r.minIp) : `${ip4ToString(r.minIp)}-${ip4ToString(r.maxIp)}`;
  return r.ports === undefined ? ip : `${ip}:${portsText(r.ports)}`;
}

export function portsText([lo, hi]: readonly [number, number]): string {
  return lo === hi ? `${lo}` : `${lo}-${hi}`;
}

/**
 * The port NAT keeps or picks: nf_nat keeps the packet's port when it is inside the range
 * (and the tuple is free, which the model assumes), otherwise the range's first port.
 */
export function pickPort(current: number, ports: readonly [number, number] | undefined): number {
  if (ports === undefined) return current;
  return current >= ports[0] && current <= ports[1] ? current : ports[0];
}

/**
 * The options MASQUERADE and REDIRECT share: `--to-ports p[-q]` and flags (`--random`, `--random-fully`), parsed
 * once at build time, with the words iptables-save prints back for them in its fixed order (ports, then flags).
 */
export function portRedirectOptions(opts: readonly ParsedOpt[], b: BuildCtx, flags: readonly string[]): { ports: [number, number] | undefined; saveArgs: string[] } {
  const o = single(opts, b);
  const portText = o.get('to-ports')?.values[0];
  const ports = portText === undefined ? undefined : parsePorts(portText, b);
  const saveArgs: string[] = [];
  if (ports !== undefined) saveArgs.push('--to-ports', portsText(ports));
  for (const f of flags) if (o.has(f)) saveArgs.push(`--${f}`);
  return { ports, saveArgs };
}
