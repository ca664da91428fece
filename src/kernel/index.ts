// The Kernel network-operations interface and its two drivers (ARCHITECTURE §2.3).
export type { Kernel, NetnsOps, LinkOps, AddrOps, RouteOps, NeighOps, FdbOps, SysctlOps, IptablesOps } from './kernel.js';
export type {
  NetnsRef, KernelLink, KernelLinkKind, KernelAddr, KernelRoute, RouteSpec, RouteScope, KernelNeigh, KernelFdb, VethEnd, LinkOptions, VxlanOptions,
} from './types.js';
export { HOST_NETNS } from './types.js';
export { KernelError, isKernelError, type KernelErrorKind } from './errors.js';
export { KW_PREFIX, IFNAMSIZ_MAX, netnsNameOf, netnsPath, checkIfName, checkKwName } from './names.js';
export { VirtualKernel, type VirtualKernelOptions, type VirtualIptables } from './virtual/driver.js';
export { LinuxKernel, ipArgv, inNetns, vethArgv } from './linux/driver.js';
export { type CommandRunner, type CommandResult, NodeCommandRunner, RecordingRunner, type RecordedCommand } from './linux/runner.js';
export { parseLinks, parseAddrs, parseRoutes, parseNeigh, parseFdb } from './linux/parse.js';
export { cleanupKw, type CleanupReport } from './cleanup.js';
export { NetnsOwners, sandboxGroupOf } from './owners.js';
