import type { Service, ServicePort } from 'kubernetes-types/core/v1.js';
import { Cidr4, canonicalIp4, parseIp4, ip4ToString } from '../addr/index.js';
import { serviceChainNames } from './hash.js';
import { type Protocol, type ServicePortName, parseProtocol } from './service-port-name.js';

const PROTO: Readonly<Record<Protocol, string>> = { TCP: 'tcp', UDP: 'udp', SCTP: 'sctp' };

/** One port of one Service, as kube-proxy's BaseServicePortInfo (pkg/proxy/serviceport.go) sees it (IPv4 proxier). */
export interface ServicePortInfo {
  readonly spn: ServicePortName;
  /** `ns/name:port` */
  readonly nameString: string;
  /** `ns/name/port/PROTO`: map key. */
  readonly key: string;
  /** `ns/name`: partial-sync granularity. */
  readonly serviceKey: string;
  readonly protocol: Protocol;
  /** lowercase protocol as written after `-m` / `-p`. */
  readonly proto: string;
  readonly clusterIP: string;
  readonly port: number;
  readonly nodePort: number;
  readonly externalIPs: readonly string[];
  readonly loadBalancerVIPs: readonly string[];
  readonly loadBalancerSourceRanges: readonly Cidr4[];
  readonly healthCheckNodePort: number;
  readonly sessionAffinityClientIP: boolean;
  readonly stickyMaxAgeSeconds: number;
  readonly externalPolicyLocal: boolean;
  readonly internalPolicyLocal: boolean;
  readonly hintsAnnotation: string;
  /** Chain names, precomputed as kube-proxy's newServiceInfo does. */
  readonly svcChain: string;
  readonly svlChain: string;
  readonly extChain: string;
  readonly fwChain: string;
}

/**
 * Whether two infos of the same port render identically (kube-proxy drops a Service update whose
 * ServicePortInfos are equal). Field by field, not through a fingerprint string per port: ingest
 * builds and keeps no text for this.
 */
export function samePortInfo(a: ServicePortInfo, b: ServicePortInfo): boolean {
  return (
    a.key === b.key &&
    a.clusterIP === b.clusterIP &&
    a.port === b.port &&
    a.nodePort === b.nodePort &&
    a.healthCheckNodePort === b.healthCheckNodePort &&
    a.sessionAffinityClientIP === b.sessionAffinityClientIP &&
    a.stickyMaxAgeSeconds === b.stickyMaxAgeSeconds &&
    a.externalPolicyLocal === b.externalPolicyLocal &&
    a.internalPolicyLocal === b.internalPolicyLocal &&
    a.hintsAnnotation === b.hintsAnnotation &&
    sameStrings(a.externalIPs, b.externalIPs) &&
    sameStrings(a.loadBalancerVIPs, b.loadBalancerVIPs) &&
    a.loadBalancerSourceRanges.length === b.loadBalancerSourceRanges.length &&
    a.loadBalancerSourceRanges.every((c, i) => {
      const d = b.loadBalancerSourceRanges[i];
      return d !== undefined && c.network === d.network && c.prefix === d.prefix;
    })
  );
}

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Shared by every port without ExternalIPs / LB ingress / source ranges (most of them). */
const NONE: readonly never[] = Object.freeze([]);

/** kube-proxy: NodePort, LoadBalancer VIP or ExternalIP (BaseServicePortInfo.ExternallyAccessible). */
export function externallyAccessible(s: ServicePortInfo): boolean {
  return s.nodePort !== 0 || s.loadBalancerVIPs.length > 0 || s.externalIPs.length > 0;
}

/** Cluster endpoints are needed unless iTP=Local on a service without external access (short-circuit needs them). */
export function usesClusterEndpoints(s: ServicePortInfo): boolean {
  return !s.internalPolicyLocal || externallyAccessible(s);
}

export function usesLocalEndpoints(s: ServicePortInfo): boolean {
  return s.internalPolicyLocal || (s.externalPolicyLocal && externallyAccessible(s));
}

/** apiservice.ExternallyAccessible: the *Service* type decides whether eTP applies at all. */
function serviceExternallyAccessible(svc: Service): boolean {
  const t = svc.spec?.type;
  return t === 'LoadBalancer' || t === 'NodePort' || ((t === 'ClusterIP' || t === undefined || t === '') && (svc.spec?.externalIPs?.length ?? 0) > 0);
}

/** Normalises an address the way net.ParseIP + String() would (`172.30.0.041` → `172.30.0.41`, TestBadIPs). */
function normaliseIp4(text: string): string | undefined {
  // Canonical text (nearly all of it) is its own normal form.
  if (canonicalIp4(text) !== undefined) return text;
  const parts = text.trim().split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return undefined;
  return parts.map((p) => String(Number(p))).join('.');
}

function parseSourceRange(text: string): Cidr4 | undefined {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(text.trim());
  if (m === null) return undefined;
  const ip = normaliseIp4(m[1] ?? '');
  const prefix = Number(m[2]);
  if (ip === undefined || prefix > 32) return undefined;
  return new Cidr4(parseIp4(ip), prefix);
}

/** Is `spec.clusterIP` a usable IPv4 address (not "", not "None")? (helpers.IsServiceIPSet + family filter) */
export function serviceIPv4(svc: Service): string | undefined {
  const candidates = svc.spec?.clusterIPs ?? (svc.spec?.clusterIP === undefined ? [] : [svc.spec.clusterIP]);
  // A normalised text is four parts 0-255 without leading zeros: always a valid address.
  for (const c of candidates) {
    const n = normaliseIp4(c);
    if (n !== undefined) return n;
  }
  return undefined;
}

/**
 * Builds the ServicePortInfo for one port (kube-proxy newBaseServiceInfo, IPv4 family).
 * Returns undefined for ports kube-proxy ignores (unknown protocol).
 */
export function makeServicePortInfo(svc: Service, port: ServicePort, clusterIP: string, serviceKey?: string): ServicePortInfo | undefined {
  const protocol = parseProtocol(port.protocol);
  if (protocol === undefined) return undefined;
  const namespace = svc.metadata?.namespace ?? 'default';
  const name = svc.metadata?.name ?? '';
  const spn: ServicePortName = { namespace, name, port: port.name ?? '', protocol };
  // serviceKey, nameString and key share their prefixes (servicePortNameString / servicePortKey).
  const sk = serviceKey ?? `${namespace}/${name}`;
  // Flat (joined), not a rope: every rule of the port's chains copies it into its comment.
  const nameString = spn.port === '' ? sk : [sk, ':', spn.port].join('');
  const proto = PROTO[protocol];
  const spec = svc.spec ?? {};
  const externalIPs = spec.externalIPs === undefined || spec.externalIPs.length === 0 ? NONE : spec.externalIPs.map(normaliseIp4).filter((x): x is string => x !== undefined);
  // LoadBalancerIPMode (GA 1.32): ingress with ipMode Proxy is not captured by kube-proxy.
  const ingress = svc.status?.loadBalancer?.ingress;
  const loadBalancerVIPs =
    ingress === undefined || ingress.length === 0
      ? NONE
      : ingress
          .filter((ing) => ing.ip !== undefined && ing.ip !== '' && ing.ipMode !== 'Proxy')
          .map((ing) => normaliseIp4(ing.ip ?? ''))
          .filter((x): x is string => x !== undefined);
  const ranges = spec.loadBalancerSourceRanges;
  const loadBalancerSourceRanges = ranges === undefined || ranges.length === 0 ? NONE : ranges.map(parseSourceRange).filter((x): x is Cidr4 => x !== undefined);
  const externalPolicyLocal = serviceExternallyAccessible(svc) && spec.externalTrafficPolicy === 'Local';
  const internalPolicyLocal = spec.internalTrafficPolicy === 'Local';
  const needsHealthCheck = spec.type === 'LoadBalancer' && spec.externalTrafficPolicy === 'Local';
  const sessionAffinityClientIP = spec.sessionAffinity === 'ClientIP';
  const stickyMaxAgeSeconds = sessionAffinityClientIP ? (spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? 10800) : 0;
  const annotations = svc.metadata?.annotations;
  const hintsAnnotation = annotations === undefined ? '' : (annotations['service.kubernetes.io/topology-mode'] ?? annotations['service.kubernetes.io/topology-aware-hints'] ?? '');
  const chains = serviceChainNames(nameString, proto);
  const key = `${nameString}/${protocol}`;
  const nodePort = port.nodePort ?? 0;
  const healthCheckNodePort = needsHealthCheck ? (spec.healthCheckNodePort ?? 0) : 0;
  // One literal with every field: an object spread of this many properties gives each instance its
  // own hidden class in V8 (10,000 Services = 10,000 shapes, megamorphic reads while rendering).
  return {
    spn,
    nameString,
    key,
    serviceKey: sk,
    protocol,
    proto,
    clusterIP,
    port: port.port,
    nodePort,
    externalIPs,
    loadBalancerVIPs,
    loadBalancerSourceRanges,
    healthCheckNodePort,
    sessionAffinityClientIP,
    stickyMaxAgeSeconds,
    externalPolicyLocal,
    internalPolicyLocal,
    hintsAnnotation,
    svcChain: chains.svc,
    svlChain: chains.svl,
    extChain: chains.ext,
    fwChain: chains.fw,
  };
}

/** Renders a CIDR the way Go's net.IPNet.String() does for IPv4 (used for source ranges). */
export function cidrString(c: Cidr4): string {
  return `${ip4ToString(c.network)}/${c.prefix}`;
}
