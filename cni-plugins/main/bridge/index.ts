import type { CniPlugin, Interface100, IpConfig100, PluginHost, Result100, Route } from '../../../src/cni/index.js';
import type { KernelAddr, KernelLink } from '../../../src/kernel/index.js';
import {
  type Args, chainComment, chainName, confObject, enableIp4ForwardSteps, fail, ignoreGoneNow, ignoreGoneSteps, openNetns, openNetnsSteps, result100,
} from '../../pkg/common.js';
import { mergeIntoPrev, prevResult100 } from '../../pkg/chain.js';
import { configureIfaceSteps, firstIp, prefixOf } from '../../pkg/ipam.js';
import { setupIpMasq, teardownIpMasq } from '../../pkg/ipmasq.js';
import { checkContainer, containerIndex, setupVethSteps } from '../../pkg/veth.js';
import { isThenable } from '../../../src/lib/index.js';
import { drive, stepKernel, type StepKernel, type Steps } from '../../pkg/steps.js';
import { type BridgeConf, loadBridgeConf } from './config.js';

/**
 * The per-interface sysctl keys an ADD sets, for the last bridge and container interface names (the same on every
 * ADD of a node: its bridge, every pod's eth0), built once rather than on every ADD.
 */
let brKeys = { bridge: '', acceptRa: '' };
function bridgeKeys(bridge: string): { acceptRa: string } {
  if (bridge !== brKeys.bridge || brKeys.acceptRa === '') brKeys = { bridge, acceptRa: `net.ipv6.conf.${bridge}.accept_ra` };
  return brKeys;
}
let contKeys = { ifName: '', acceptDad: '', arpNotify: '' };
function containerKeys(ifName: string): { acceptDad: string; arpNotify: string } {
  if (ifName !== contKeys.ifName || contKeys.acceptDad === '') {
    contKeys = { ifName, acceptDad: `net.ipv6.conf.${ifName}.accept_dad`, arpNotify: `net.ipv4.conf.${ifName}.arp_notify` };
  }
  return contKeys;
}

/** A sysctl upstream sets ignoring the error (the key may not exist, e.g. without IPv6). */
function trySysctl(k: StepKernel, ns: string, key: string, value: string): undefined | Promise<void> {
  // An operation to yield, not a step generator of its own: set three times per ADD, it is not worth one each.
  try {
    const r = k.sysctl.set(ns, key, value);
    return isThenable(r) ? Promise.resolve(r).then(ignored, ignored) : undefined;
  } catch {
    return undefined; // ignored, as upstream does
  }
}

function ignored(): undefined {
  return undefined;
}

/**
 * ensureBridge: create (or reuse) the bridge, promisc if asked, accept_ra=0, up. Says whether this call created it,
 * and the bridge's MAC as read now, before the veth joins (upstream keeps that link object for ensureAddr).
 */
function* ensureBridge(k: StepKernel, n: BridgeConf): Steps<{ created: boolean; mac: string }> {
  const cur = (yield k.link.get('', n.bridge)) as KernelLink | undefined;
  try {
    if (cur === undefined) yield k.link.addBridge('', n.bridge, n.mtu > 0 ? { mtu: n.mtu } : {});
    else if (cur.kind !== 'bridge') fail(`"${n.bridge}" already exists but is not a bridge`);
    if (n.promiscMode) yield k.link.setPromisc('', n.bridge, true);
    yield trySysctl(k, '', bridgeKeys(n.bridge).acceptRa, '0');
    yield k.link.setUp('', n.bridge, true);
    return { created: cur === undefined, mac: ((yield k.link.get('', n.bridge)) as KernelLink | undefined)?.mac ?? '' };
  } catch (e) {
    fail(`failed to create bridge "${n.bridge}": ${e instanceof Error ? e.message.replace(/^failed to create bridge "[^"]*": /, '') : String(e)}`);
  }
}

/**
 * ensureAddr: the gateway on the bridge; another IPv4 address there is an error unless forceAddress replaces it.
 * Having added it, upstream sets the bridge's MAC to the one read in ensureBridge: an address that was set stops
 * Linux from giving the bridge the lowest MAC of its ports, so it no longer changes as pods come and go.
 */
function* ensureAddr(k: StepKernel, n: BridgeConf, gw: string, brMac: string): Steps<void> {
  for (const a of (yield k.addr.list('', n.bridge)) as KernelAddr[]) {
    if (a.cidr === gw) return;
    if (a.family === 4 && !gw.includes(':')) {
      if (!n.forceAddress) fail(`failed to set bridge addr: "${n.bridge}" already has an IP address different from ${gw}`);
      yield k.addr.del('', n.bridge, a.cidr);
    }
  }
  yield k.addr.add('', n.bridge, gw);
  if (brMac === '') return;
  try {
    yield k.link.setMac('', n.bridge, brMac);
  } catch (e) {
    fail(`failed to set bridge addr: could not set bridge's mac: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** calcGateways: every IP is on interface 2; isGateway fills a missing gateway; isDefaultGateway adds 0/0 via it. */
function calcGateways(n: BridgeConf, ips: readonly IpConfig100[], routes: Route[]): { ips: IpConfig100[]; gws: string[] } {
  const gws: string[] = [];
  let defaultFound = routes.some((r) => r.dst === '0.0.0.0/0' && r.gw !== undefined);
  const out = ips.map((ip) => {
    const gateway = ip.gateway ?? (n.isGateway ? firstIp(ip.address) : undefined);
    if (n.isDefaultGateway && !defaultFound && !ip.address.includes(':')) {
      routes.push({ dst: '0.0.0.0/0', ...(gateway === undefined ? {} : { gw: gateway }) });
      defaultFound = true;
    }
    if (n.isGateway && gateway !== undefined) gws.push(`${gateway}/${prefixOf(ip.address)}`);
    return { interface: 2, address: ip.address, ...(gateway === undefined ? {} : { gateway }) };
  });
  return { ips: out, gws };
}

/**
 * The bridge plugin (containernetworking/plugins plugins/main/bridge), same config keys, defaults, interfaces,
 * addresses, routes and nat chain. Unlike upstream, a failed ADD undoes itself: the veth is deleted and the IPAM
 * lease released (upstream leaks the veth, plugins#29); the bridge stays, as upstream never deletes it.
 */
export const bridge: CniPlugin<PluginHost> = {
  // ADD and DEL are step generators (pkg/steps.ts): on the virtual kernel they finish without awaiting.
  add: (args: Args) => drive(addSteps(args)),
  del: (args: Args) => drive(delSteps(args)),

  async check(args) {
    const n = loadBridgeConf(confObject(args), args.args);
    const k = args.kernel.kernel;
    if (n.ipamType !== '') await args.kernel.delegate.check(n.ipamType, args);
    const prev = prevResult100(args);
    if (prev === undefined) fail('Required prevResult missing');
    await openNetns(k, args.netns);
    const br = await k.link.get('', n.bridge);
    if (br === undefined) fail(`failed to lookup bridge "${n.bridge}": Link not found`);
    if (br.kind !== 'bridge') fail(`"${n.bridge}" already exists but is not a bridge`);
    const idx = containerIndex(args, prev);
    const cont = await k.link.get(args.netns, args.ifName);
    const hostIf = (prev.interfaces ?? []).find((i, j) => j !== idx && (i.sandbox ?? '') === '' && i.name !== n.bridge);
    const host = hostIf === undefined ? undefined : await k.link.get('', hostIf.name);
    if (host === undefined || cont === undefined) fail(`Could not find veth pair for container interface ${args.ifName}`);
    if (host.master !== n.bridge) fail(`Interface ${host.name} is not attached to bridge ${n.bridge}`);
    await checkContainer(args, prev, idx, args.kernel);
    if (n.ipMasq && n.ipamType !== '') {
      const save = await k.iptables.save('', 'nat');
      if (!save.includes(`:${chainName(n.name, args.containerId)} `)) fail(`could not find masquerade chain ${chainName(n.name, args.containerId)}`);
    }
  },
};

function* addSteps(args: Args): Steps<Result100> {
  const n = loadBridgeConf(confObject(args), args.args);
  if (n.hairpinMode && n.promiscMode) fail('cannot set hairpin mode and promiscuous mode at the same time.');
  const k = stepKernel(args.kernel.kernel);
  const prev = prevResult100(args);
  yield* openNetnsSteps(k, args.netns);
  const { created, mac: brMac } = yield* ensureBridge(k, n);
  // A bridge this ADD created goes too if the ADD fails (the bridge stays after DEL, as upstream's does).
  const undo: (() => Steps<unknown>)[] = created ? [() => ignoreGoneSteps(() => k.link.del('', n.bridge))] : [];
  try {
    const { host, cont } = yield* setupVethSteps(args, k, n.mtu > 0 ? n.mtu : undefined, n.mac);
    undo.push(() => ignoreGoneSteps(() => k.link.del(args.netns, args.ifName)));
    yield k.link.setMaster('', host.name, n.bridge);
    yield k.link.setHairpin('', host.name, n.hairpinMode);
    const interfaces: Interface100[] = [{ name: n.bridge, mac: '' }, { name: host.name, mac: host.mac }, { name: cont.name, mac: cont.mac, sandbox: args.netns }];
    let ips: IpConfig100[] = [];
    const routes: Route[] = [];
    if (n.ipamType !== '') {
      const ipam = (yield args.kernel.delegate.addNow(n.ipamType, args)) as Result100;
      undo.push(() => op(args.kernel.delegate.delNow(n.ipamType, args)));
      if ((ipam.ips?.length ?? 0) === 0) fail('IPAM plugin returned missing IP config');
      for (const r of ipam.routes ?? []) routes.push(r);
      const g = calcGateways(n, ipam.ips ?? [], routes);
      ips = g.ips;
      const keys = containerKeys(args.ifName);
      yield trySysctl(k, args.netns, keys.acceptDad, '0');
      yield trySysctl(k, args.netns, keys.arpNotify, '1');
      yield* configureIfaceSteps(k, args.netns, args.ifName, result100({ interfaces, ips, routes }));
      for (const gw of g.gws) yield* ensureAddr(k, n, gw, brMac);
      if (g.gws.length > 0) yield* enableIp4ForwardSteps(k);
      if (n.ipMasq) {
        const chain = chainName(n.name, args.containerId);
        undo.push(() => op(teardownIpMasq(args.kernel.kernel, chain)));
        for (const ip of ips) yield setupIpMasq(args.kernel.kernel, ip.address, chain, chainComment(n.name, args.containerId));
      }
    } else {
      yield k.link.setUp(args.netns, args.ifName, true);
    }
    // Read again, as upstream does: the bridge's MAC may have changed when the veth joined or the address was set.
    const br = (yield k.link.get('', n.bridge)) as KernelLink | undefined;
    interfaces[0] = { name: n.bridge, mac: br?.mac ?? '' };
    return mergeIntoPrev(prev, result100({ interfaces, ips, routes, ...(n.dns === undefined ? {} : { dns: n.dns }) }));
  } catch (e) {
    for (const u of undo.reverse()) {
      try {
        yield* u();
      } catch (ue) {
        args.log(`bridge: undo after failed ADD: ${ue instanceof Error ? ue.message : String(ue)}`);
      }
    }
    throw e;
  }
}

/** Link (if the netns is there), then IPAM, then the nat chain; every step tolerates "already gone". */
function* delSteps(args: Args): Steps<void> {
  const n = loadBridgeConf(confObject(args), args.args);
  const k = stepKernel(args.kernel.kernel);
  if (args.netns !== '' && ((yield k.netns.exists(args.netns)) as boolean)) yield ignoreGoneNow(() => k.link.del(args.netns, args.ifName));
  if (n.ipamType !== '') yield args.kernel.delegate.delNow(n.ipamType, args);
  if (n.ipamType !== '' && n.ipMasq) yield teardownIpMasq(args.kernel.kernel, chainName(n.name, args.containerId));
}

/** One operation's answer as a step. */
function* op(v: unknown): Steps<unknown> {
  return yield v;
}
