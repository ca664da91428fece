export { type IpvsProtocol, type SchedulerName, type ForwardMethod, type VirtualServer, type RealServer, type VirtualService, SCHEDULERS, vsKey } from './types.js';
export { Ipvs, IPVS_PRIORITY, type IpvsRegistration, vsText, destText } from './ipvs.js';
export { schedule, type SchedulerChoice } from './schedulers.js';
export { maglevTable, hsiphash32, MH_TABLE_SIZE } from './maglev.js';
export { printIpvsadmList, printIpvsadmSave, parseIpvsadmSave, parseIpvsadmList } from './ipvsadm.js';
