export { IpvsProxier, type IpvsSyncReport, DUMMY_DEVICE } from './proxier.js';
export { ipvsIptablesRestore, ipvsEnsuredJumps, type IpvsRulesInput } from './rules.js';
export { IPSET_INFO, ipsetRestoreText, type IpsetInfo } from './ipsets.js';
