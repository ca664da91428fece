import { Cidr4 } from '../../addr/index.js';
import { fieldError } from './field-error.js';
import { isValidIp, IP_MESSAGE } from './ip.js';
import { dns1123Label, dns1123Subdomain } from './names.js';
import { validateProtocol } from './pod.js';
import type { Collector } from './values.js';

/** Node, Endpoints and EndpointSlice checks (core and discovery validation), limited to the fields kubewire uses. */
const TAINT_EFFECTS = ['NoExecute', 'NoSchedule', 'PreferNoSchedule'] as const;
const ADDRESS_TYPES = ['FQDN', 'IPv4', 'IPv6'] as const;

function validCidr(s: string): boolean {
  try {
    Cidr4.parse(s, undefined, { allowHostBits: false });
    return true;
  } catch {
    return false;
  }
}

export function validateNodeSpec(c: Collector, v: unknown): void {
  const spec = c.obj(v, 'spec');
  if (spec === undefined) return;
  const cidr = c.str(spec['podCIDR'], 'spec.podCIDR');
  if (cidr !== undefined && cidr !== '' && !validCidr(cidr)) c.add(fieldError.invalid('spec.podCIDR', cidr, 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'));
  c.arr(spec['podCIDRs'], 'spec.podCIDRs').forEach((x, i) => {
    const s = c.str(x, `spec.podCIDRs[${i}]`);
    if (s !== undefined && !validCidr(s)) c.add(fieldError.invalid(`spec.podCIDRs[${i}]`, s, 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'));
  });
  c.bool(spec['unschedulable'], 'spec.unschedulable');
  c.arr(spec['taints'], 'spec.taints').forEach((raw, i) => {
    const f = `spec.taints[${i}]`;
    const t = c.obj(raw, f);
    if (t === undefined) return;
    const key = c.str(t['key'], `${f}.key`);
    if (key === undefined || key === '') c.add(fieldError.required(`${f}.key`));
    const eff = c.str(t['effect'], `${f}.effect`);
    if (eff === undefined || eff === '') c.add(fieldError.required(`${f}.effect`));
    else if (!(TAINT_EFFECTS as readonly string[]).includes(eff)) c.add(fieldError.notSupported(`${f}.effect`, eff, TAINT_EFFECTS));
  });
}

function validatePorts(c: Collector, v: unknown, field: string, allowZero: boolean): void {
  const ports = c.arr(v, field);
  const names = new Set<string>();
  ports.forEach((raw, i) => {
    const f = `${field}[${i}]`;
    const p = c.obj(raw, f);
    if (p === undefined) return;
    const name = c.str(p['name'], `${f}.name`) ?? '';
    if (name === '' && ports.length > 1 && !allowZero) c.add(fieldError.required(`${f}.name`));
    if (name !== '') {
      c.syntax(`${f}.name`, name, dns1123Label(name));
      if (names.has(name)) c.add(fieldError.duplicate(`${f}.name`, name));
      names.add(name);
    }
    const port = c.int(p['port'], `${f}.port`);
    if (port === undefined && !allowZero) c.add(fieldError.required(`${f}.port`));
    if (port !== undefined && (port < (allowZero ? 0 : 1) || port > 65535)) {
      c.add(fieldError.invalid(`${f}.port`, port, 'must be between 1 and 65535, inclusive'));
    }
    validateProtocol(c, p['protocol'], `${f}.protocol`);
  });
}

export function validateEndpoints(c: Collector, obj: Record<string, unknown>): void {
  c.arr(obj['subsets'], 'subsets').forEach((raw, i) => {
    const f = `subsets[${i}]`;
    const s = c.obj(raw, f);
    if (s === undefined) return;
    for (const list of ['addresses', 'notReadyAddresses']) {
      c.arr(s[list], `${f}.${list}`).forEach((ra, j) => {
        const af = `${f}.${list}[${j}]`;
        const a = c.obj(ra, af);
        if (a === undefined) return;
        const ip = c.str(a['ip'], `${af}.ip`);
        if (ip === undefined || ip === '') c.add(fieldError.required(`${af}.ip`));
        else if (!isValidIp(ip)) c.add(fieldError.invalid(`${af}.ip`, ip, IP_MESSAGE));
        const nn = c.str(a['nodeName'], `${af}.nodeName`);
        if (nn !== undefined && nn !== '') c.syntax(`${af}.nodeName`, nn, dns1123Subdomain(nn));
      });
    }
    validatePorts(c, s['ports'], `${f}.ports`, false);
  });
}

export function validateEndpointSlice(c: Collector, obj: Record<string, unknown>): void {
  const at = c.str(obj['addressType'], 'addressType');
  if (at === undefined || at === '') c.add(fieldError.required('addressType'));
  else if (!(ADDRESS_TYPES as readonly string[]).includes(at)) c.add(fieldError.notSupported('addressType', at, ADDRESS_TYPES));
  const eps = c.arr(obj['endpoints'], 'endpoints');
  if (eps.length > 1000) c.add(fieldError.tooMany('endpoints', eps.length, 1000));
  eps.forEach((raw, i) => {
    const f = `endpoints[${i}]`;
    const e = c.obj(raw, f);
    if (e === undefined) return;
    const addrs = c.arr(e['addresses'], `${f}.addresses`);
    if (addrs.length === 0) c.add(fieldError.required(`${f}.addresses`, 'must contain at least 1 address'));
    if (addrs.length > 100) c.add(fieldError.tooMany(`${f}.addresses`, addrs.length, 100));
    addrs.forEach((ra, j) => {
      const af = `${f}.addresses[${j}]`;
      const a = c.str(ra, af);
      if (a === undefined) return;
      if ((at === 'IPv4' || at === 'IPv6') && !isValidIp(a)) c.add(fieldError.invalid(af, a, IP_MESSAGE));
      if (at === 'FQDN') c.syntax(af, a, dns1123Subdomain(a));
    });
    const cond = c.obj(e['conditions'], `${f}.conditions`);
    for (const k of ['ready', 'serving', 'terminating']) c.bool(cond?.[k], `${f}.conditions.${k}`);
    const nn = c.str(e['nodeName'], `${f}.nodeName`);
    if (nn !== undefined && nn !== '') c.syntax(`${f}.nodeName`, nn, dns1123Subdomain(nn));
  });
  validatePorts(c, obj['ports'], 'ports', true);
}
