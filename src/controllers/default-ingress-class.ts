import { isJsonObject, type KubeObject, type ResourceType } from '../api/index.js';
import type { AdmissionOperation, AdmissionPlugin } from '../apiserver/index.js';
import type { Informers } from './runtime/informers.js';
import { R } from './runtime/objects.js';

/** The annotation that makes an IngressClass the cluster's default. */
export const DEFAULT_INGRESS_CLASS_ANNOTATION = 'ingressclass.kubernetes.io/is-default-class';

/**
 * The DefaultIngressClass admission plugin (plugin/pkg/admission/network/defaultingressclass): a new Ingress that
 * names no class (neither spec.ingressClassName, even empty, nor the legacy annotation) gets the default one. With
 * several defaults the newest wins (ties: the lower name), as since 1.25; with none the Ingress keeps no class.
 */
export class DefaultIngressClassAdmission implements AdmissionPlugin {
  readonly name = 'DefaultIngressClass';
  private informers: Informers | undefined;

  attach(informers: Informers): void {
    this.informers = informers;
  }

  admit(op: AdmissionOperation, r: ResourceType, obj: KubeObject): void {
    if (op !== 'CREATE' || r.kind !== 'Ingress' || this.informers === undefined) return;
    const spec = isJsonObject(obj['spec']) ? obj['spec'] : undefined;
    if (spec?.['ingressClassName'] !== undefined || obj.metadata.annotations?.['kubernetes.io/ingress.class'] !== undefined) return;
    let chosen: KubeObject | undefined;
    for (const c of this.informers.list(R.ingressClasses)) {
      if (c.metadata.annotations?.[DEFAULT_INGRESS_CLASS_ANNOTATION] !== 'true') continue;
      if (chosen === undefined || newer(c, chosen)) chosen = c;
    }
    if (chosen === undefined) return;
    obj['spec'] = { ...(spec ?? {}), ingressClassName: chosen.metadata.name ?? '' };
  }
}

function newer(a: KubeObject, b: KubeObject): boolean {
  const ta = a.metadata.creationTimestamp ?? '';
  const tb = b.metadata.creationTimestamp ?? '';
  return ta !== tb ? ta > tb : (a.metadata.name ?? '') < (b.metadata.name ?? '');
}
