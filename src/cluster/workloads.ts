import type { ManifestObject, TopologySpec } from '../topology/index.js';
import type { ContainerPort } from './model.js';
import { podTemplateHash, replicaPodName } from './names.js';

/** A pod the manifests ask for, before it has a node or an address. */
export interface PodRequest {
  readonly namespace: string;
  readonly name: string;
  readonly nodeName: string | undefined;
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
  readonly hostNetwork?: boolean;
  readonly containers?: readonly { readonly ports?: readonly { readonly name?: string; readonly containerPort?: number; readonly protocol?: string }[] }[];
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
      default:
        break;
    }
  }
  return out;
}

function specOf(o: ManifestObject): PodSpecLike {
  const s = o['spec'];
  return typeof s === 'object' && s !== null ? (s as PodSpecLike) : {};
}

function fromTemplate(namespace: string, name: string, t: PodTemplateLike): PodRequest {
  const ports: ContainerPort[] = [];
  for (const c of t.spec?.containers ?? []) {
    for (const p of c.ports ?? []) {
      if (p.containerPort === undefined) continue;
      const protocol = p.protocol === 'UDP' || p.protocol === 'SCTP' ? p.protocol : 'TCP';
      ports.push({ name: p.name, containerPort: p.containerPort, protocol });
    }
  }
  return {
    namespace,
    name,
    nodeName: t.spec?.nodeName,
    labels: t.metadata?.labels ?? {},
    ports,
    hostNetwork: t.spec?.hostNetwork === true,
  };
}
