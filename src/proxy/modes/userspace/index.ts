export { UserspaceProxier, type UserspaceSyncReport } from './proxier.js';
export { UserspaceSockets, type ProxySocket, SOCKET_PRIORITY } from './socket.js';
export { userspaceServiceRules, userspaceRestore, USERSPACE_JUMPS } from './rules.js';
