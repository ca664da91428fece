import { fieldError } from './field-error.js';
import { dns1123Label, dns1123Subdomain, ianaSvcName } from './names.js';
import { validatePodPlacement, validateTolerations } from './pod-scheduling.js';
import type { Collector } from './values.js';

/** Pod spec checks after pkg/apis/core/validation ValidatePodSpec, limited to what kubewire models. */
export const PROTOCOLS = ['SCTP', 'TCP', 'UDP'] as const;
const RESTART_POLICIES = ['Always', 'Never', 'OnFailure'] as const;
const DNS_POLICIES = ['ClusterFirst', 'ClusterFirstWithHostNet', 'Default', 'None'] as const;
const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'] as const;

export function validateProtocol(c: Collector, v: unknown, field: string): void {
  const p = c.str(v, field);
  if (p !== undefined && !(PROTOCOLS as readonly string[]).includes(p)) c.add(fieldError.notSupported(field, p, PROTOCOLS));
}

/** A frozen container list found valid at `field` (with no names seen before it), and the names it declares. */
interface ValidContainers {
  readonly field: string;
  readonly names: readonly string[];
  readonly portNames: readonly string[];
}

/**
 * Container lists already validated. A stored ReplicaSet's template containers are shared (frozen) by every
 * pod created from it (see CowObject), and validation is a pure function of the list, its field and the
 * names seen before it: a list valid once at the same place is valid again, and declares the same names.
 */
const validContainers = new WeakMap<object, ValidContainers>();

function validateContainers(c: Collector, v: unknown, field: string, names: Set<string>, portNames: Set<string>, required: boolean): void {
  const memo = Array.isArray(v) && Object.isFrozen(v) && names.size === 0 && portNames.size === 0;
  if (memo) {
    const known = validContainers.get(v);
    if (known?.field === field) {
      for (const n of known.names) names.add(n);
      for (const n of known.portNames) portNames.add(n);
      return;
    }
  }
  const errorsBefore = c.errors.length;
  checkContainers(c, v, field, names, portNames, required);
  if (memo && c.errors.length === errorsBefore) validContainers.set(v, { field, names: [...names], portNames: [...portNames] });
}

function checkContainers(c: Collector, v: unknown, field: string, names: Set<string>, portNames: Set<string>, required: boolean): void {
  const list = c.arr(v, field);
  if (required && list.length === 0) {
    c.add(fieldError.required(field));
    return;
  }
  list.forEach((raw, i) => {
    const f = `${field}[${i}]`;
    const ctr = c.obj(raw, f);
    if (ctr === undefined) return;
    const name = c.str(ctr['name'], `${f}.name`);
    if (name === undefined || name === '') c.add(fieldError.required(`${f}.name`));
    else {
      c.syntax(`${f}.name`, name, dns1123Label(name));
      if (names.has(name)) c.add(fieldError.duplicate(`${f}.name`, name));
      names.add(name);
    }
    const image = c.str(ctr['image'], `${f}.image`);
    if (image === undefined || image.trim() === '') c.add(fieldError.required(`${f}.image`));
    const ipp = c.str(ctr['imagePullPolicy'], `${f}.imagePullPolicy`);
    if (ipp !== undefined && !(PULL_POLICIES as readonly string[]).includes(ipp)) {
      c.add(fieldError.notSupported(`${f}.imagePullPolicy`, ipp, PULL_POLICIES));
    }
    c.arr(ctr['ports'], `${f}.ports`).forEach((rp, j) => {
      const pf = `${f}.ports[${j}]`;
      const port = c.obj(rp, pf);
      if (port === undefined) return;
      const pname = c.str(port['name'], `${pf}.name`);
      if (pname !== undefined && pname !== '') {
        c.syntax(`${pf}.name`, pname, ianaSvcName(pname));
        if (portNames.has(pname)) c.add(fieldError.duplicate(`${pf}.name`, pname));
        portNames.add(pname);
      }
      const cp = c.int(port['containerPort'], `${pf}.containerPort`);
      if (cp === undefined) {
        if (port['containerPort'] === undefined || port['containerPort'] === null) c.add(fieldError.required(`${pf}.containerPort`));
      } else if (cp < 1 || cp > 65535) {
        c.add(fieldError.invalid(`${pf}.containerPort`, cp, 'must be between 1 and 65535, inclusive'));
      }
      const hp = c.int(port['hostPort'], `${pf}.hostPort`);
      if (hp !== undefined && hp !== 0 && (hp < 1 || hp > 65535)) {
        c.add(fieldError.invalid(`${pf}.hostPort`, hp, 'must be between 1 and 65535, inclusive'));
      }
      validateProtocol(c, port['protocol'], `${pf}.protocol`);
    });
    const envNames = new Set<string>();
    c.arr(ctr['env'], `${f}.env`).forEach((re, j) => {
      const ef = `${f}.env[${j}]`;
      const env = c.obj(re, ef);
      if (env === undefined) return;
      const en = c.str(env['name'], `${ef}.name`);
      if (en === undefined || en === '') c.add(fieldError.required(`${ef}.name`));
      else envNames.add(en);
      c.str(env['value'], `${ef}.value`);
    });
  });
}

export function validatePodSpec(c: Collector, v: unknown, field: string): void {
  const spec = c.obj(v, field);
  if (spec === undefined) {
    c.add(fieldError.required(`${field}.containers`));
    return;
  }
  const names = new Set<string>();
  const portNames = new Set<string>();
  validateContainers(c, spec['containers'], `${field}.containers`, names, portNames, true);
  validateContainers(c, spec['initContainers'], `${field}.initContainers`, names, portNames, false);
  const volNames = new Set<string>();
  c.arr(spec['volumes'], `${field}.volumes`).forEach((rv, i) => {
    const vf = `${field}.volumes[${i}]`;
    const vol = c.obj(rv, vf);
    if (vol === undefined) return;
    const vn = c.str(vol['name'], `${vf}.name`);
    if (vn === undefined || vn === '') c.add(fieldError.required(`${vf}.name`));
    else {
      c.syntax(`${vf}.name`, vn, dns1123Label(vn));
      if (volNames.has(vn)) c.add(fieldError.duplicate(`${vf}.name`, vn));
      volNames.add(vn);
    }
  });
  const rp = c.str(spec['restartPolicy'], `${field}.restartPolicy`);
  if (rp !== undefined && !(RESTART_POLICIES as readonly string[]).includes(rp)) {
    c.add(fieldError.notSupported(`${field}.restartPolicy`, rp, RESTART_POLICIES));
  }
  const dp = c.str(spec['dnsPolicy'], `${field}.dnsPolicy`);
  if (dp !== undefined && !(DNS_POLICIES as readonly string[]).includes(dp)) {
    c.add(fieldError.notSupported(`${field}.dnsPolicy`, dp, DNS_POLICIES));
  }
  validatePodPlacement(c, spec, field);
  const nodeName = c.str(spec['nodeName'], `${field}.nodeName`);
  if (nodeName !== undefined && nodeName !== '') c.syntax(`${field}.nodeName`, nodeName, dns1123Subdomain(nodeName));
  validateTolerations(c, spec['tolerations'], `${field}.tolerations`);
  c.bool(spec['hostNetwork'], `${field}.hostNetwork`);
  const tgps = c.int(spec['terminationGracePeriodSeconds'], `${field}.terminationGracePeriodSeconds`);
  if (tgps !== undefined && tgps < 0) c.add(fieldError.invalid(`${field}.terminationGracePeriodSeconds`, tgps, 'must be greater than or equal to 0'));
}
