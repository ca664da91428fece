export { validatePlugin, type ValidateOptions } from './validate.js';
export { reportToJson, reportToText, reportHasErrors } from './report.js';
export type { Finding, FindingSeverity, Evidence, ValidationReport } from './types.js';
export { Sandbox } from './sandbox.js';
export { leftovers } from './leftovers.js';
export type { Snapshot } from './sandbox.js';
