import type { CniPlugin, PluginHost, Result100 } from '../../../src/cni/index.js';
import type { Kernel } from '../../../src/kernel/index.js';
import { type Args, chainName, confObject, fail } from '../../pkg/common.js';
import { prevResult100 } from '../../pkg/chain.js';
import { loadPortMapConf } from './config.js';
import { entryJumps, forwardRules, unforwardRules } from './rules.js';

/** The container's IPv4 address: on CNI_IFNAME (or any interface) with a sandbox, as upstream picks it. */
function containerV4(args: Args, prev: Result100): string | undefined {
  const ifs = prev.interfaces ?? [];
  const ok = (i: number | undefined) => i !== undefined && (ifs[i]?.sandbox ?? '') !== '';
  return (prev.ips ?? []).find((ip) => !ip.address.includes(':') && ok(ip.interface))?.address;
}

/** getRoutableHostIF: the device the host routes the pod address through (longest prefix in the main table). */
async function routableDev(k: Kernel, address: string): Promise<string | undefined> {
  const ip = toNum(address.split('/')[0] ?? '');
  let best: { len: number; dev: string } | undefined;
  for (const r of await k.route.list('')) {
    if (r.dst.includes(':') || r.dev === undefined) continue;
    const [net = '', lenText = '0'] = r.dst.split('/');
    const len = Number(lenText);
    const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
    if (((ip & mask) >>> 0) === toNum(net) && (best === undefined || len > best.len)) best = { len, dev: r.dev };
  }
  return best?.dev;
}

function toNum(ip: string): number {
  return ip.split('.').reduce((a, o) => (a << 8) + Number(o), 0) >>> 0;
}

/** The mappings' DNAT (and SNAT route_localnet) rules for the container address; prevResult passes through. */
async function forward(args: Args, c: ReturnType<typeof loadPortMapConf>, prev: Result100, addr: string): Promise<Result100> {
  const k = args.kernel.kernel;
  if (c.snat) {
    const dev = await routableDev(k, addr);
    if (dev !== undefined) await k.sysctl.set('', `net.ipv4.conf.${dev}.route_localnet`, '1');
  }
  await k.iptables.restore('', forwardRules(c, args.containerId, addr, await k.iptables.save('', 'nat')), { noflush: true });
  return prev;
}

/**
 * portmap (plugins/meta/portmap), iptables backend: a chained plugin mapping host ports to the container address of
 * its prevResult, passing prevResult through. IPv4 only here.
 */
export const portmap: CniPlugin<PluginHost> = {
  // Without mappings (every pod that has no hostPort) ADD only passes prevResult on: answered at once, no promise.
  add(args): Result100 | Promise<Result100> {
    const c = loadPortMapConf(confObject(args));
    const prev = prevResult100(args);
    if (prev === undefined) fail('must be called as chained plugin');
    if (c.portMappings.length === 0) return prev;
    const addr = containerV4(args, prev);
    if (addr === undefined) return prev;
    return forward(args, c, prev, addr);
  },

  async del(args) {
    const c = loadPortMapConf(confObject(args));
    const k = args.kernel.kernel;
    const text = unforwardRules(c, args.containerId, await k.iptables.save('', 'nat'));
    if (text !== undefined) await k.iptables.restore('', text, { noflush: true });
  },

  async check(args) {
    const c = loadPortMapConf(confObject(args));
    const prev = prevResult100(args);
    if (prev === undefined) fail('must be called as chained plugin');
    if (c.portMappings.length === 0 || containerV4(args, prev) === undefined) return;
    const dn = chainName(c.name, args.containerId, 'DN-');
    const save = await args.kernel.kernel.iptables.save('', 'nat');
    if (!save.includes(`:${dn} `) || entryJumps(save, dn).length === 0) fail(`could not check ipv4 dnat: chain ${dn} not found in iptables table nat`);
  },
};
