export { IptablesProxier, createSharedIptablesContext, type SharedIptablesContext, type IptablesSyncReport } from './proxier.js';
export { SharedRenderCache, ConfigRenderCache, variantFor, type NodeContext, type Variant, type BlockText } from './render-cache.js';
export { renderServicePort, type RenderedServicePort, type ServiceRenderConfig, type NodeVariant } from './render-service.js';
export { ENSURED_JUMPS, ensuredJumpText, type EnsuredJump, type Table } from './chains.js';
export { probability } from './probability.js';
export { goMarkText, resolveConfig, type ResolvedConfig } from './config.js';
export { sortIPTablesRules, parseDump, dumpString, ruleComment } from './sort-rules.js';
export { renderNodeView, builtinChainRules, type NodeViewOptions } from './node-view.js';
export { RestoreBytes } from './text-pieces.js';
