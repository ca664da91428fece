import { InputError } from '../lib/index.js';
import { getPath, type KubeObject } from './object.js';

/**
 * Field selectors (`fieldSelector=spec.nodeName=n1,status.phase!=Failed`): only `=`, `==` and `!=`,
 * and only the fields each kind registers (pkg/registry/<kind>/strategy.go ToSelectableFields).
 * kubectl uses them for drain (pods on a node), rollout status (metadata.name) and describe (events).
 */
export interface FieldRequirement {
  readonly field: string;
  readonly op: '=' | '!=';
  readonly value: string;
}

const COMMON = ['metadata.name', 'metadata.namespace'];

const SELECTABLE: Readonly<Record<string, readonly string[]>> = {
  Pod: [
    'spec.nodeName',
    'spec.restartPolicy',
    'spec.schedulerName',
    'spec.serviceAccountName',
    'spec.hostNetwork',
    'status.phase',
    'status.podIP',
    'status.nominatedNodeName',
  ],
  Node: ['spec.unschedulable'],
  Namespace: ['status.phase'],
  Event: [
    'involvedObject.kind',
    'involvedObject.namespace',
    'involvedObject.name',
    'involvedObject.uid',
    'involvedObject.apiVersion',
    'involvedObject.resourceVersion',
    'involvedObject.fieldPath',
    'reason',
    'reportingComponent',
    'source',
    'type',
  ],
};

export function parseFieldSelector(text: string, kind: string): FieldRequirement[] {
  if (text.trim() === '') return [];
  const allowed = [...COMMON, ...(SELECTABLE[kind] ?? [])];
  return text.split(',').map((part) => {
    const m = /^\s*([^=!\s]+)\s*(==|=|!=)\s*(.*?)\s*$/.exec(part);
    if (m === null) {
      throw new InputError('KW_API_INVALID_FIELD_SELECTOR', `invalid selector: '${part}'; can't understand '${part}'`, {
        where: `field selector "${text}"`,
      });
    }
    const field = m[1] ?? '';
    if (!allowed.includes(field)) {
      throw new InputError('KW_API_INVALID_FIELD_SELECTOR', `field label not supported: ${field}`, { where: `field selector "${text}"` });
    }
    return { field, op: m[2] === '!=' ? '!=' : '=', value: m[3] ?? '' };
  });
}

/** The field's value as a string; absent fields read as "" and booleans as "true"/"false", as Go's fields.Set does. */
function fieldValue(obj: KubeObject, field: string): string {
  if (field === 'source') {
    const comp = getPath(obj, ['source', 'component']);
    return typeof comp === 'string' ? comp : '';
  }
  const v = getPath(obj, field.split('.'));
  if (v === undefined || v === null) return field === 'spec.unschedulable' || field === 'spec.hostNetwork' ? 'false' : '';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

export function matchesFields(reqs: readonly FieldRequirement[], obj: KubeObject): boolean {
  return reqs.every((r) => (fieldValue(obj, r.field) === r.value) === (r.op === '='));
}
