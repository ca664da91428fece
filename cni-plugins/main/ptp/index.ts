import type { CniPlugin, IpConfig100, PluginHost, Result100 } from '../../../src/cni/index.js';
import { type Args, chainComment, chainName, confObject, enableIp4Forward, fail, ignoreGone, openNetns, result100 } from '../../pkg/common.js';
import { mergeIntoPrev, prevResult100 } from '../../pkg/chain.js';
import { configureIface, hostOf, networkOf } from '../../pkg/ipam.js';
import { setupIpMasq, teardownIpMasq } from '../../pkg/ipmasq.js';
import { checkContainer, containerIndex, setupVeth } from '../../pkg/veth.js';
import { loadPtpConf } from './config.js';

/**
 * ptp (plugins/main/ptp): IPAM first, then a veth whose container end reaches the gateway as a /32 link route and
 * the subnet via the gateway; the host end holds the gateway/32 and a scope-host route to the pod. A failure undoes
 * the veth and releases the lease.
 */
export const ptp: CniPlugin<PluginHost> = {
  async add(args: Args): Promise<Result100> {
    const n = loadPtpConf(confObject(args));
    if (n.ipamType === '') fail('failed to load netconf: $.ipam.type: ptp requires an IPAM plugin');
    const k = args.kernel.kernel;
    const prev = prevResult100(args);
    await openNetns(k, args.netns);
    const ipam = (await args.kernel.delegate.add(n.ipamType, args)) as Result100;
    const undo: (() => Promise<unknown>)[] = [() => args.kernel.delegate.del(n.ipamType, args)];
    try {
      if ((ipam.ips?.length ?? 0) === 0) fail('IPAM plugin returned missing IP config');
      await enableIp4Forward(k);
      const { host, cont } = await setupVeth(args, n.mtu > 0 ? n.mtu : undefined, undefined);
      undo.push(() => ignoreGone(() => k.link.del(args.netns, args.ifName)));
      const ips: IpConfig100[] = (ipam.ips ?? []).map((ip) => ({ ...ip, interface: 1 }));
      const interfaces = [{ name: host.name, mac: host.mac }, { name: cont.name, mac: cont.mac, sandbox: args.netns }];
      await configureIface(k, args.netns, args.ifName, result100({ interfaces, ips }));
      for (const ip of ips) {
        if (ip.gateway === undefined || ip.address.includes(':')) continue;
        const subnet = networkOf(ip.address);
        await ignoreGone(() => k.route.del(args.netns, { dst: subnet, dev: args.ifName }));
        await k.route.add(args.netns, { dst: `${ip.gateway}/32`, dev: args.ifName, scope: 'link', src: hostOf(ip.address) });
        await k.route.add(args.netns, { dst: subnet, gw: ip.gateway, dev: args.ifName, src: hostOf(ip.address) });
      }
      const gw4 = ips.find((ip) => ip.gateway !== undefined && !ip.address.includes(':'))?.gateway;
      for (const r of ipam.routes ?? []) {
        const gw = r.gw ?? (r.dst.includes(':') ? undefined : gw4);
        await k.route.add(args.netns, { dst: r.dst, dev: args.ifName, ...(gw === undefined ? {} : { gw }) });
      }
      for (const ip of ips) {
        if (ip.gateway === undefined || ip.address.includes(':')) continue;
        await k.addr.add('', host.name, `${ip.gateway}/32`).catch(() => undefined);
        await k.route.add('', { dst: `${hostOf(ip.address)}/32`, dev: host.name, scope: 'host' });
      }
      if (n.ipMasq) {
        const chain = chainName(n.name, args.containerId);
        undo.push(() => teardownIpMasq(k, chain));
        for (const ip of ips) await setupIpMasq(k, ip.address, chain, chainComment(n.name, args.containerId));
      }
      const dns = n.dns ?? ipam.dns;
      return mergeIntoPrev(prev, result100({ interfaces, ips, ...(ipam.routes === undefined ? {} : { routes: ipam.routes }), ...(dns === undefined ? {} : { dns }) }));
    } catch (e) {
      for (const u of undo.reverse()) await u().catch((ue: unknown) => args.log(`ptp: undo after failed ADD: ${ue instanceof Error ? ue.message : String(ue)}`));
      throw e;
    }
  },

  async del(args) {
    const n = loadPtpConf(confObject(args));
    const k = args.kernel.kernel;
    if (n.ipamType !== '') await args.kernel.delegate.del(n.ipamType, args);
    if (args.netns !== '' && (await k.netns.exists(args.netns))) await ignoreGone(() => k.link.del(args.netns, args.ifName));
    if (n.ipMasq) await teardownIpMasq(k, chainName(n.name, args.containerId));
  },

  async check(args) {
    const n = loadPtpConf(confObject(args));
    if (n.ipamType !== '') await args.kernel.delegate.check(n.ipamType, args);
    const prev = prevResult100(args);
    if (prev === undefined) fail('ptp: Required prevResult missing');
    await openNetns(args.kernel.kernel, args.netns);
    await checkContainer(args, prev, containerIndex(args, prev), args.kernel);
  },
};
