import { type PluginHost, type Result100 } from '../../src/cni/index.js';
import { isKernelError, type KernelLink } from '../../src/kernel/index.js';
import { type Args, fail } from './common.js';
import { drive, type StepKernel, type Steps } from './steps.js';

/**
 * ip.SetupVeth: the container end named CNI_IFNAME in the container, the host end `veth` + 8 hex in the host, both
 * with `mtu`; a clashing host name is redrawn (upstream retries on EEXIST). The host end is brought up.
 */
export async function setupVeth(args: Args, mtu: number | undefined, mac: string | undefined): Promise<{ host: KernelLink; cont: KernelLink }> {
  return drive(setupVethSteps(args, args.kernel.kernel, mtu, mac));
}

/** setupVeth as step generator (pkg/steps.ts) over `k`. */
export function* setupVethSteps(args: Args, k: StepKernel, mtu: number | undefined, mac: string | undefined): Steps<{ host: KernelLink; cont: KernelLink }> {
  if (((yield k.link.get(args.netns, args.ifName)) as KernelLink | undefined) !== undefined) fail(`container veth name provided (${args.ifName}) already exists`);
  for (let attempt = 0; attempt < 10; attempt++) {
    const hostName = args.kernel.vethName(args.containerId, args.ifName, attempt);
    if (((yield k.link.get('', hostName)) as KernelLink | undefined) !== undefined) continue;
    try {
      yield k.link.addVeth({ netns: args.netns, name: args.ifName }, { netns: '', name: hostName }, { ...(mtu === undefined ? {} : { mtu }), ...(mac === undefined ? {} : { mac }) });
    } catch (e) {
      if (isKernelError(e, 'exists')) continue;
      fail(`failed to make veth pair: ${e instanceof Error ? e.message : String(e)}`);
    }
    yield k.link.setUp('', hostName, true);
    const host = (yield k.link.get('', hostName)) as KernelLink | undefined;
    const cont = (yield k.link.get(args.netns, args.ifName)) as KernelLink | undefined;
    if (host === undefined || cont === undefined) fail(`failed to lookup "${hostName}": Link not found`);
    return { host, cont };
  }
  fail('failed to move veth to host netns: too many name clashes');
}

/** The container interface of a prevResult, as upstream CHECK finds it (name = IFNAME, sandbox = CNI_NETNS). */
export function containerIndex(args: Args, prev: Result100): number {
  const ifs = prev.interfaces ?? [];
  const i = ifs.findIndex((x) => x.name === args.ifName);
  if (i < 0) fail(`Interface ${args.ifName} not found in prevResult`);
  if ((ifs[i]?.sandbox ?? '') !== args.netns) fail(`Sandbox in prevResult ${ifs[i]?.sandbox ?? ''} doesn't match configured netns: ${args.netns}`);
  return i;
}

/** ip.ValidateExpectedInterfaceIPs and ValidateExpectedRoute: what prevResult lists for the container must be there. */
export async function checkContainer(args: Args, prev: Result100, idx: number, host: PluginHost): Promise<void> {
  const k = host.kernel;
  const link = await k.link.get(args.netns, args.ifName);
  if (link === undefined) fail(`failed to find container interface ${args.ifName}: Link not found`);
  const want = prev.interfaces?.[idx]?.mac;
  if (want !== undefined && want.toLowerCase() !== link.mac.toLowerCase()) fail(`Interface ${args.ifName} Mac ${want} doesn't match container Mac: ${link.mac}`);
  const have = new Set((await k.addr.list(args.netns, args.ifName)).map((a) => a.cidr));
  for (const ip of prev.ips ?? []) {
    if (ip.interface === idx && !have.has(ip.address)) fail(`Failed to match addr ${ip.address} on interface ${args.ifName}`);
  }
  const routes = await k.route.list(args.netns);
  for (const r of prev.routes ?? []) {
    const ok = routes.some((x) => x.dst === r.dst && (r.gw === undefined || x.gw === r.gw));
    if (!ok) fail(`Failed to match route ${r.dst}${r.gw === undefined ? '' : ` via ${r.gw}`} in container ${args.netns}`);
  }
}
