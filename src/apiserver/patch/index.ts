export { strategicMergePatch } from './strategic-merge.js';
export { jsonMergePatch } from './json-merge.js';
export { applyJsonPatch } from './json-patch.js';
export { serverSideApplyMerge } from './apply.js';
export { patchSchemaFor, type PatchSchema } from './schema.js';
