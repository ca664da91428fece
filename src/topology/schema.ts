import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { InputError } from '../lib/index.js';

/**
 * The topology file as written, after the JSON Schema accepted it: still strings, nothing
 * allocated. `build.ts` turns it into a TopologySpec.
 */
export interface TopologyDocument {
  readonly apiVersion: 'kubewire/v1';
  readonly kind: 'Topology';
  readonly metadata: { readonly name: string };
  readonly cluster: {
    readonly clusterCIDR: string;
    readonly serviceCIDR: string;
    readonly nodeCIDRMaskSize?: number;
    readonly nodeNetwork: { readonly cidr: string; readonly gateway?: string };
    readonly network?: 'host-gw' | 'vxlan';
    readonly proxyMode?: 'iptables' | 'ipvs' | 'userspace' | 'nftables';
    readonly cni?: { readonly conflist?: string };
    readonly loadBalancer?: { readonly pool: string; readonly mode?: 'bgp' | 'l2' };
  };
  readonly nodes: readonly {
    readonly name: string;
    readonly ip: string;
    readonly podCIDR?: string;
    readonly labels?: Readonly<Record<string, string>>;
  }[];
  readonly external?: readonly { readonly name: string; readonly ip: string }[];
  readonly manifests?: readonly string[];
}

/** Defaults applied when a field is absent (kube-controller-manager's --node-cidr-mask-size is 24). */
export const TOPOLOGY_DEFAULTS = {
  nodeCIDRMaskSize: 24,
  network: 'host-gw',
  proxyMode: 'iptables',
  loadBalancerMode: 'bgp',
} as const;

// Syntax only: host bits and overlaps are semantic checks with better messages (build.ts).
const OCTET = '(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';
const IPV4_RE = new RegExp(`^${OCTET}(\\.${OCTET}){3}$`);
const CIDR_RE = new RegExp(`^${OCTET}(\\.${OCTET}){3}/(3[0-2]|[12]?[0-9])$`);

const ip = { type: 'string', format: 'ipv4' } as const;
const cidr = { type: 'string', format: 'cidr' } as const;
const name = { type: 'string', minLength: 1 } as const;

/** JSON Schema (draft-07) of a topology file. Every kubewire object is closed: an unknown field is an error. */
export const topologySchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://kubewire.dev/schemas/topology-v1.json',
  title: 'kubewire Topology',
  type: 'object',
  additionalProperties: false,
  required: ['apiVersion', 'kind', 'metadata', 'cluster', 'nodes'],
  properties: {
    apiVersion: { const: 'kubewire/v1' },
    kind: { const: 'Topology' },
    metadata: {
      type: 'object',
      additionalProperties: false,
      required: ['name'],
      properties: { name },
    },
    cluster: {
      type: 'object',
      additionalProperties: false,
      required: ['clusterCIDR', 'serviceCIDR', 'nodeNetwork'],
      properties: {
        clusterCIDR: cidr,
        serviceCIDR: cidr,
        nodeCIDRMaskSize: { type: 'integer', minimum: 0, maximum: 32 },
        nodeNetwork: {
          type: 'object',
          additionalProperties: false,
          required: ['cidr'],
          properties: { cidr, gateway: ip },
        },
        network: { enum: ['host-gw', 'vxlan'] },
        proxyMode: { enum: ['iptables', 'ipvs', 'userspace', 'nftables'] },
        cni: {
          type: 'object',
          additionalProperties: false,
          properties: { conflist: { type: 'string', minLength: 1 } },
        },
        loadBalancer: {
          type: 'object',
          additionalProperties: false,
          required: ['pool'],
          properties: { pool: cidr, mode: { enum: ['bgp', 'l2'] } },
        },
      },
    },
    nodes: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'ip'],
        properties: {
          name,
          ip,
          podCIDR: cidr,
          labels: { type: 'object', additionalProperties: { type: 'string' } },
        },
      },
    },
    external: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'ip'],
        properties: { name, ip },
      },
    },
    manifests: { type: 'array', items: { type: 'string', minLength: 1 } },
  },
} as const;

let compiled: ValidateFunction<TopologyDocument> | undefined;

function validator(): ValidateFunction<TopologyDocument> {
  if (compiled === undefined) {
    const ajv = new Ajv({ allErrors: true, strict: true });
    ajv.addFormat('ipv4', IPV4_RE);
    ajv.addFormat('cidr', CIDR_RE);
    compiled = ajv.compile<TopologyDocument>(topologySchema);
  }
  return compiled;
}

/** One ajv error as a person reads it: `/nodes/0: unknown field "podCidr"`. */
export function describeSchemaError(e: ErrorObject): string {
  const at = e.instancePath === '' ? '/' : e.instancePath;
  const p = e.params as Record<string, unknown>;
  const shown = (v: unknown): string => JSON.stringify(v) ?? String(v);
  switch (e.keyword) {
    case 'additionalProperties':
      return `${at}: unknown field ${shown(p['additionalProperty'])}`;
    case 'required':
      return `${at}: missing required field ${shown(p['missingProperty'])}`;
    case 'enum':
      return `${at}: must be one of ${(Array.isArray(p['allowedValues']) ? p['allowedValues'] : []).map(shown).join(', ')}`;
    case 'const':
      return `${at}: must be ${shown(p['allowedValue'])}`;
    default:
      return `${at}: ${e.message ?? e.keyword}`;
  }
}

/**
 * Checks `doc` against the schema; on failure throws one InputError (KW_TOPOLOGY_SCHEMA) listing every
 * problem, one per line, each with its JSON path, so a user fixes them all in one go.
 */
export function validateTopologyDocument(doc: unknown, file: string): TopologyDocument {
  const validate = validator();
  if (validate(doc)) return doc;
  const lines = (validate.errors ?? []).map((e) => withValue(describeSchemaError(e), e, doc));
  const unique = [...new Set(lines)];
  const message =
    unique.length === 1 ? (unique[0] ?? '') : `${unique.length} problems:\n  ${unique.join('\n  ')}`;
  throw new InputError('KW_TOPOLOGY_SCHEMA', message, { where: file });
}

// Format and type errors say what was found, since the value may sit far from the key in YAML.
function withValue(text: string, e: ErrorObject, doc: unknown): string {
  if (e.keyword !== 'format' && e.keyword !== 'type' && e.keyword !== 'enum' && e.keyword !== 'const') return text;
  const found = valueAt(doc, e.instancePath);
  return found === undefined ? text : `${text} (got ${JSON.stringify(found)})`;
}

function valueAt(doc: unknown, pointer: string): unknown {
  let cur: unknown = doc;
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}
