import type { Affinity, PodSpec } from 'kubernetes-types/core/v1.js';
import { requiredNodeAffinityMatches } from '../api/index.js';
import { CONTROLLER_REVISION_HASH, POD_INDEX, POD_TEMPLATE_GENERATION, STATEFUL_SET_POD_NAME } from '../controllers/index.js';
import { nodeLabels } from '../kubelet/index.js';
import type { ManifestObject, TopologySpec } from '../topology/index.js';
import type { ContainerPort } from './model.js';
import { podTemplateHash, replicaPodName, safeSuffix } from './names.js';

/** A pod the manifests ask for, before it has a node or an address. */
export interface PodRequest {
  readonly namespace: string;
  readonly name: string;
  readonly nodeName: string | undefined;
  /** The pod's spec as the manifest writes it (a template's is shared by its pods): what the scheduler reads. */
  readonly spec: PodSpec;
  readonly labels: Readonly<Record<string, string>>;
  readonly ports: readonly ContainerPort[];
  readonly hostNetwork: boolean;
}

interface PodTemplateLike {
  readonly metadata?: { readonly labels?: Readonly<Record<string, string>> };
  readonly spec?: PodSpecLike;
}

interface PodSpecLike {
  readonly nodeName?: string;
  readonly nodeSelector?: Readonly<Record<string, string>>;
  readonly affinity?: Affinity;
  readonly hostNetwork?: boolean;
  readonly containers?: readonly { readonly ports?: readonly ContainerPortLike[] }[];
}

/**
 * Expands the manifests into the pods they create: bare Pods as they are, Deployments and
 * ReplicaSets into `replicas` pods named as their controllers name them.
 */
export function podRequests(topology: TopologySpec): PodRequest[] {
  const out: PodRequest[] = [];
  for (const { object } of topology.objects) {
    const ns = object.metadata.namespace ?? 'default';
    switch (object.kind) {
      case 'Pod':
        out.push(fromTemplate(ns, object.metadata.name, { metadata: { labels: object.metadata.labels ?? {} }, spec: specOf(object) }));
        break;
      case 'Deployment':
      case 'ReplicaSet': {
        const spec = object['spec'] as { replicas?: number; template?: PodTemplateLike } | undefined;
        const replicas = spec?.replicas ?? 1;
        const template = spec?.template ?? {};
        const owner = object.kind === 'Deployment' ? `${object.metadata.name}-${podTemplateHash(ns, object.metadata.name)}` : object.metadata.name;
        const hashLabel = object.kind === 'Deployment' ? { 'pod-template-hash': podTemplateHash(ns, object.metadata.name) } : {};
        for (let i = 0; i < replicas; i++) {
          const labels = { ...(template.metadata?.labels ?? {}), ...hashLabel };
          out.push(fromTemplate(ns, replicaPodName(owner, `${ns}/${owner}`, i), { metadata: { labels }, spec: template.spec ?? {} }));
        }
        break;
      }
      case 'DaemonSet':
        out.push(...daemonPods(topology, ns, object));
        break;
      case 'StatefulSet':
        out.push(...statefulPods(ns, object));
        break;
      default:
        break;
    }
  }
  return out;
}

/**
 * A DaemonSet's pods: one on every node whose labels (the kubelet's well-known ones included) its template's
 * nodeSelector and required node affinity match, pinned there, labelled as the controller labels them. Topology
 * nodes carry no taints, so every such node runs one.
 */
function daemonPods(topology: TopologySpec, ns: string, ds: ManifestObject): PodRequest[] {
  const template = (ds['spec'] as { template?: PodTemplateLike } | undefined)?.template ?? {};
  const hash = safeSuffix(`${ns}/${ds.metadata.name}/revision`, 10);
  const labels = { ...(template.metadata?.labels ?? {}), [CONTROLLER_REVISION_HASH]: hash, [POD_TEMPLATE_GENERATION]: '1' };
  const terms = template.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  const out: PodRequest[] = [];
  topology.nodes.forEach((n, i) => {
    if (!requiredNodeAffinityMatches(template.spec?.nodeSelector, terms, { name: n.name, labels: nodeLabels(n.name, n.labels) })) return;
    out.push(fromTemplate(ns, replicaPodName(ds.metadata.name, `${ns}/${ds.metadata.name}`, i), { metadata: { labels }, spec: { ...(template.spec ?? {}), nodeName: n.name } }));
  });
  return out;
}

/** A StatefulSet's pods `<set>-0` … `<set>-<replicas-1>`, labelled with their name, ordinal and revision. */
function statefulPods(ns: string, sts: ManifestObject): PodRequest[] {
  const spec = sts['spec'] as { replicas?: number; template?: PodTemplateLike } | undefined;
  const template = spec?.template ?? {};
  const revision = `${sts.metadata.name}-${safeSuffix(`${ns}/${sts.metadata.name}/revision`, 10)}`;
  const out: PodRequest[] = [];
  for (let i = 0; i < (spec?.replicas ?? 1); i++) {
    const name = `${sts.metadata.name}-${i}`;
    const labels = { ...(template.metadata?.labels ?? {}), [CONTROLLER_REVISION_HASH]: revision, [STATEFUL_SET_POD_NAME]: name, [POD_INDEX]: String(i) };
    out.push(fromTemplate(ns, name, { metadata: { labels }, spec: template.spec ?? {} }));
  }
  return out;
}

function specOf(o: ManifestObject): PodSpecLike {
  const s = o['spec'];
  return typeof s === 'object' && s !== null ? (s as PodSpecLike) : {};
}

/** A container port as a manifest (or the API) spells it. */
export interface ContainerPortLike {
  readonly name?: string;
  readonly containerPort?: number;
  readonly protocol?: string;
  readonly hostPort?: number;
  readonly hostIP?: string;
}

/** A pod's container ports, with the hostPort (and hostIP) each is published on, if any. */
export function containerPorts(containers: readonly { readonly ports?: readonly ContainerPortLike[] }[]): ContainerPort[] {
  const ports: ContainerPort[] = [];
  for (const c of containers) {
    for (const p of c.ports ?? []) {
      if (p.containerPort === undefined) continue;
      const protocol = p.protocol === 'UDP' || p.protocol === 'SCTP' ? p.protocol : 'TCP';
      const host = p.hostPort === undefined || p.hostPort === 0 ? {} : { hostPort: p.hostPort, ...(p.hostIP === undefined || p.hostIP === '' ? {} : { hostIP: p.hostIP }) };
      ports.push({ name: p.name, containerPort: p.containerPort, protocol, ...host });
    }
  }
  return ports;
}

const NO_SPEC: PodSpecLike = Object.freeze({});

function fromTemplate(namespace: string, name: string, t: PodTemplateLike): PodRequest {
  const ports = containerPorts(t.spec?.containers ?? []);
  return {
    namespace,
    name,
    nodeName: t.spec?.nodeName,
    // The manifest's own object, typed as the API's (the loader checked what the build reads of it).
    spec: (t.spec ?? NO_SPEC) as PodSpec,
    labels: t.metadata?.labels ?? {},
    ports,
    hostNetwork: t.spec?.hostNetwork === true,
  };
}
