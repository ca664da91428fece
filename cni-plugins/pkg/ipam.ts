import type { IpConfig100, Result100, Route } from '../../src/cni/index.js';
import type { Kernel, NetnsRef } from '../../src/kernel/index.js';
import { fail } from './common.js';
import { drive, type StepKernel, type Steps } from './steps.js';
import type { KernelLink } from '../../src/kernel/index.js';

const isV4 = (cidrOrIp: string): boolean => !cidrOrIp.includes(':');

/**
 * ipam.ConfigureIface: inside the container, add every address whose `interface` index names `ifName`, bring the link
 * up, then add each route with the family's first gateway when the route has none. Routes are added, not replaced, so
 * an existing one fails the ADD as upstream's netlink.RouteAdd does.
 */
export async function configureIface(kernel: Kernel, netns: NetnsRef, ifName: string, res: Result100): Promise<void> {
  await drive(configureIfaceSteps(kernel, netns, ifName, res));
}

/** configureIface as step generator (pkg/steps.ts) over `kernel`. */
export function* configureIfaceSteps(kernel: StepKernel, netns: NetnsRef, ifName: string, res: Result100): Steps<void> {
  const ifaces = res.interfaces ?? [];
  if (ifaces.length === 0) fail('no interfaces to configure');
  if (((yield kernel.link.get(netns, ifName)) as KernelLink | undefined) === undefined) fail(`failed to lookup "${ifName}": Link not found`);
  let v4gw: string | undefined;
  let v6gw: string | undefined;
  for (const ipc of res.ips ?? []) {
    if (ipc.interface === undefined) continue;
    if (ifaces[ipc.interface]?.name !== ifName) fail(`failed to add IP addr ${ipText(ipc)} to "${ifName}": invalid interface index`);
    try {
      yield kernel.addr.add(netns, ifName, ipc.address);
    } catch (e) {
      fail(`failed to add IP addr ${ipText(ipc)} to "${ifName}": ${e instanceof Error ? e.message : String(e)}`);
    }
    if (ipc.gateway !== undefined) {
      if (isV4(ipc.gateway)) v4gw ??= ipc.gateway;
      else v6gw ??= ipc.gateway;
    }
  }
  yield kernel.link.setUp(netns, ifName, true);
  for (const r of res.routes ?? []) {
    const gw = r.gw ?? (isV4(r.dst) ? v4gw : v6gw);
    try {
      yield kernel.route.add(netns, { dst: r.dst, dev: ifName, ...(gw === undefined ? {} : { gw }) });
    } catch (e) {
      fail(`failed to add route '{${r.dst} ${gw ?? '<nil>'}}': ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}

function ipText(ipc: IpConfig100): string {
  return `{Version:${isV4(ipc.address) ? '4' : '6'} Interface:${String(ipc.interface)} Address:${ipc.address} Gateway:${ipc.gateway ?? '<nil>'}}`;
}

/** The network of an address: "10.99.0.2/24" → "10.99.0.0/24" (IPv4; IPv6 is returned as given). */
export function networkOf(cidr: string): string {
  const [ip = '', len = '32'] = cidr.split('/');
  if (!isV4(ip)) return cidr;
  const n = ip.split('.').reduce((a, o) => (a << 8) + Number(o), 0) >>> 0;
  const p = Number(len);
  const m = p === 0 ? 0 : (0xffffffff << (32 - p)) >>> 0;
  const net = (n & m) >>> 0;
  return `${[24, 16, 8, 0].map((s) => (net >>> s) & 255).join('.')}/${p}`;
}

/** calcGatewayIP: the network's first address. */
export function firstIp(cidr: string): string {
  const [net = ''] = networkOf(cidr).split('/');
  const n = (net.split('.').reduce((a, o) => (a << 8) + Number(o), 0) + 1) >>> 0;
  return [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');
}

export function hostOf(cidr: string): string {
  return cidr.split('/')[0] ?? cidr;
}

export function prefixOf(cidr: string): number {
  const i = cidr.indexOf('/');
  if (i < 0) return 32;
  const j = cidr.indexOf('/', i + 1);
  return Number(cidr.slice(i + 1, j < 0 ? cidr.length : j));
}

export type { Route };
