export { type IpSet, type IpsetRegistry, type IpsetType, IPSET_TYPES } from './types.js';
export { Ipset, parseMember, memberText } from './ipset.js';
export { Ipsets, ipsetRestore, ipsetSave } from './save.js';
