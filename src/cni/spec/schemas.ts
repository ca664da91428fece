import type { SchemaObject } from 'ajv';
import { VERSION_FEATURES, type SpecVersion } from './versions.js';

/**
 * JSON Schemas for every CNI document, built per spec version. `strict` forbids keys the spec does not define
 * (for lint and conformance checks); non-strict accepts and ignores them, as Go's decoder does.
 * Formats `cni-ip` and `cni-cidr` (IPv4 or IPv6, Go net.ParseIP / net.ParseCIDR rules) are registered in validate.ts.
 */

export interface SchemaOptions {
  readonly strict?: boolean;
}

/** libcni/skel name rule for network names and container IDs (pkg/utils cniValidNameChars). */
export const CNI_NAME_PATTERN = '^[a-zA-Z0-9][a-zA-Z0-9_.\\-]*$';
/** A plugin `type` is a file name on CNI_PATH: no path separators (pkg/invoke FindInPath). */
const TYPE_PATTERN = '^[^/\\\\]+$';
/** libcni's readBool accepts real booleans and the strings "true"/"false" in any case. */
const LIBCNI_BOOL: SchemaObject = { type: ['boolean', 'string'], pattern: '^([Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee])$' };

const ip: SchemaObject = { type: 'string', format: 'cni-ip' };
const cidr: SchemaObject = { type: 'string', format: 'cni-cidr' };
const uint: SchemaObject = { type: 'integer', minimum: 0 };
const strList: SchemaObject = { type: 'array', items: { type: 'string' } };

function obj(properties: Record<string, SchemaObject>, required: readonly string[], strict: boolean): SchemaObject {
  return {
    type: 'object',
    properties,
    ...(required.length > 0 ? { required: [...required] } : {}),
    ...(strict ? { additionalProperties: false } : {}),
  };
}

function dnsSchema(strict: boolean): SchemaObject {
  return obj({ nameservers: { type: 'array', items: ip }, domain: { type: 'string' }, search: strList, options: strList }, [], strict);
}

function routeSchema(v: SpecVersion, strict: boolean): SchemaObject {
  const props: Record<string, SchemaObject> = { dst: cidr, gw: ip };
  if (VERSION_FEATURES[v].result11Fields || !strict) {
    Object.assign(props, { mtu: uint, advmss: uint, priority: uint, table: uint, scope: uint });
  }
  return obj(props, ['dst'], strict);
}

/** The result a plugin prints for ADD (and the prevResult it receives), for one spec version. */
export function resultSchema(v: SpecVersion, opts: SchemaOptions = {}): SchemaObject {
  const strict = opts.strict === true;
  const f = VERSION_FEATURES[v];
  const dns = dnsSchema(strict);
  const version: SchemaObject = { type: 'string', const: v };
  if (f.resultFamily === '020') {
    const ipc = obj({ ip: cidr, gateway: ip, routes: { type: 'array', items: routeSchema(v, strict) } }, ['ip'], strict);
    return obj({ cniVersion: version, ip4: ipc, ip6: ipc, dns }, [], strict);
  }
  const ifProps: Record<string, SchemaObject> = { name: { type: 'string' }, mac: { type: 'string' }, sandbox: { type: 'string' } };
  if (f.result11Fields || (!strict && f.resultFamily === '100')) {
    Object.assign(ifProps, { mtu: uint, socketPath: { type: 'string' }, pciID: { type: 'string' } });
  }
  const ipProps: Record<string, SchemaObject> = { interface: uint, address: cidr, gateway: ip };
  const ipRequired = ['address'];
  if (f.resultFamily === '040') {
    // Go's types040 marshals `version` without omitempty, so conformant output always has it; its decoder
    // tolerates any string (then 0.2.0 conversion skips the entry), so only strict mode requires "4"/"6".
    ipProps['version'] = strict ? { type: 'string', enum: ['4', '6'] } : { type: 'string' };
    if (strict) ipRequired.unshift('version');
  }
  return obj(
    {
      cniVersion: version,
      interfaces: { type: 'array', items: obj(ifProps, ['name'], strict) },
      ips: { type: 'array', items: obj(ipProps, ipRequired, strict) },
      routes: { type: 'array', items: routeSchema(v, strict) },
      dns,
    },
    [],
    strict,
  );
}

/** One plugin object inside a conflist's `plugins` (SPEC.md §1). Extra keys are plugin-specific: always allowed. */
export function pluginObjectSchema(): SchemaObject {
  return {
    type: 'object',
    required: ['type'],
    properties: {
      type: { type: 'string', minLength: 1, pattern: TYPE_PATTERN },
      capabilities: { type: 'object', additionalProperties: { type: 'boolean' } },
      ipMasq: { type: 'boolean' },
      ipam: { type: 'object', properties: { type: { type: 'string' } } },
      dns: dnsSchema(false),
    },
  };
}

/** A network configuration list as libcni reads it (conf.go NetworkConfFromBytes). */
export function confListSchema(opts: SchemaOptions = {}): SchemaObject {
  const strict = opts.strict === true;
  return {
    type: 'object',
    required: ['name'],
    properties: {
      cniVersion: { type: 'string' },
      cniVersions: { type: 'array', items: { type: 'string' } },
      name: { type: 'string', minLength: 1, pattern: CNI_NAME_PATTERN },
      disableCheck: strict ? { type: 'boolean' } : LIBCNI_BOOL,
      disableGC: strict ? { type: 'boolean' } : LIBCNI_BOOL,
      loadOnlyInlinedPlugins: strict ? { type: 'boolean' } : LIBCNI_BOOL,
      plugins: { type: 'array', minItems: 1, items: pluginObjectSchema() },
    },
    ...(strict ? { additionalProperties: false } : {}),
  };
}

/** A single-plugin network configuration (spec ≤0.4.0; deprecated by 1.0.0). */
export function singleConfSchema(): SchemaObject {
  const p = pluginObjectSchema();
  return {
    ...p,
    required: ['name', 'type'],
    properties: {
      ...(p['properties'] as Record<string, SchemaObject>),
      cniVersion: { type: 'string' },
      name: { type: 'string', minLength: 1, pattern: CNI_NAME_PATTERN },
      args: { type: 'object' },
    },
  };
}

/** What a plugin reads on stdin: the request config derived by the runtime. */
export function requestConfigSchema(): SchemaObject {
  const s = singleConfSchema();
  return {
    ...s,
    properties: {
      ...(s['properties'] as Record<string, SchemaObject>),
      runtimeConfig: { type: 'object' },
      prevResult: { type: 'object' },
      'cni.dev/valid-attachments': {
        type: 'array',
        items: { type: 'object', required: ['containerID', 'ifname'], properties: { containerID: { type: 'string' }, ifname: { type: 'string' } } },
      },
    },
  };
}

/** The VERSION answer. */
export function versionInfoSchema(): SchemaObject {
  return {
    type: 'object',
    required: ['cniVersion'],
    properties: { cniVersion: { type: 'string', minLength: 1 }, supportedVersions: strList },
  };
}

/** The error object. The spec lists cniVersion; Go plugins omit it, so it is optional here. */
export function errorObjectSchema(opts: SchemaOptions = {}): SchemaObject {
  return obj(
    { cniVersion: { type: 'string' }, code: uint, msg: { type: 'string' }, details: { type: 'string' } },
    ['code', 'msg'],
    opts.strict === true,
  );
}
