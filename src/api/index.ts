export { type JsonObject, type KubeObject, type Meta, type ReadonlyKubeObject, isJsonObject, cloneJson, copyUnfrozen, deepFreeze, jsonEqual, getPath } from './object.js';
export {
  type ResourceType,
  type Subresource,
  RESOURCE_TYPES,
  RESOURCE_VERBS,
  groupVersion,
  resourceByPlural,
  registeredResource,
  resourceByKind,
  qualifiedKind,
  qualifiedResource,
} from './resources.js';
export {
  type Requirement,
  type Selector,
  type SelectorOperator,
  type Labels,
  parseSelector,
  selectorFromLabelSelector,
  selectorFromMap,
  selectorToString,
  matchesSelector,
  matchesRequirement,
  requirement,
} from './label-selector.js';
export { type FieldRequirement, parseFieldSelector, matchesFields } from './field-selector.js';
export { type FieldError, type FieldErrorReason, fieldError, fieldErrorText } from './validation/field-error.js';
export { validateObject, invalidObjectMessage, type ValidationOptions, DEFAULT_VALIDATION_OPTIONS } from './validation/validate.js';
export { DEFAULT_NODE_PORT_RANGE } from './validation/service.js';
export { undecodableData } from './validation/config-data.js';
export { defaultObject } from './defaults/defaults.js';
export { initialPodStatus } from './defaults/pod.js';
export { keepAllocatedServiceValues } from './defaults/service.js';
export { requiredNodeAffinityMatches, termMatches, tolerates } from './node-selection.js';
export { type BudgetStatus, budgetSelects, budgetStatus, disruptionAllowedCondition } from './disruption-budget.js';
export { isPodReady } from './pod-ready.js';
export { parseQuantity, milliCpu, wholeQuantity } from './quantity.js';
