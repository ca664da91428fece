export type { NftTable, NftChain, NftRule, NftSet, NftElement, NftExpr, NftVerdict, NftBaseChain, NftSelector } from './types.js';
export { verdictText, priorityText, priorityNameApplies, PRIORITY_NAMES, type NftPriorityDialect } from './types.js';
export { parseRule, ruleText, exprText, tokenize } from './rule.js';
export { parseNftRuleset, printNftTable, makeRule, printedRule } from './ruleset.js';
export { compileTable, evalBaseChain, type CompiledTable } from './eval.js';
export { Nftables } from './nftables.js';
