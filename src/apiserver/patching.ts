import { type KubeObject, type ResourceType } from '../api/index.js';
import { apiErrors } from './errors.js';
import { applyJsonPatch, jsonMergePatch, patchSchemaFor, serverSideApplyMerge, strategicMergePatch } from './patch/index.js';

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

/** Content-Type of a PATCH request → patch type (415 for anything else). */
export function patchTypeFromContentType(contentType: string | undefined): PatchType {
  const ct = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  switch (ct) {
    case 'application/json-patch+json':
      return 'json';
    case 'application/merge-patch+json':
      return 'merge';
    case 'application/strategic-merge-patch+json':
      return 'strategic';
    case 'application/apply-patch+yaml':
    case 'application/apply-patch+json':
      return 'apply';
    default:
      throw apiErrors.unsupportedMediaType(ct === '' ? '(none)' : ct);
  }
}

export function applyPatch(r: ResourceType, current: KubeObject, type: PatchType, patch: unknown): unknown {
  const schema = patchSchemaFor(r.kind);
  switch (type) {
    case 'json':
      return applyJsonPatch(current, patch);
    case 'merge':
      return jsonMergePatch(current, patch);
    case 'strategic':
      return strategicMergePatch(current, patch, schema);
    case 'apply':
      return serverSideApplyMerge(current, patch, schema);
  }
}
