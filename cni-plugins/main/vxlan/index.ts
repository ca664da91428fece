import type { CniPlugin, PluginHost, Result100 } from '../../../src/cni/index.js';
import { type Args, confObject, fail } from '../../pkg/common.js';
import { bridge } from '../bridge/index.js';
import { loadBridgeConf } from '../bridge/config.js';
import { loadVxlanConf } from './config.js';

const ZERO_MAC = '00:00:00:00:00:00';

/** The host's VTEP: created once, a port of the bridge, flooding to every remote; a clash with a non-VXLAN link is an error. */
async function ensureVtep(args: Args, bridgeName: string): Promise<void> {
  const v = loadVxlanConf(confObject(args));
  const k = args.kernel.kernel;
  const cur = await k.link.get('', v.name);
  if (cur !== undefined && cur.kind !== 'vxlan') fail(`"${v.name}" already exists but is not a vxlan device`);
  if (cur === undefined) {
    await k.link.addVxlan('', v.name, { vni: v.vni, port: v.port, mtu: v.mtu, learning: true, ...(v.local === undefined ? {} : { local: v.local }), ...(v.dev === undefined ? {} : { dev: v.dev }) });
  }
  if ((await k.link.get('', v.name))?.master !== bridgeName) await k.link.setMaster('', v.name, bridgeName);
  await k.link.setUp('', v.name, true);
  const have = new Set((await k.fdb.list('')).filter((f) => f.dev === v.name && f.mac === ZERO_MAC).map((f) => f.dst));
  for (const r of v.remotes) if (!have.has(r)) await k.fdb.append('', { mac: ZERO_MAC, dev: v.name, dst: r });
}

/**
 * kubewire's VXLAN overlay: the bridge plugin (same config keys and result) whose bridge also has a VXLAN port, so
 * pods on bridges of several hosts share one L2 segment (a VNI). The VTEP is shared by every pod, like the bridge,
 * and is never removed by DEL.
 */
export const vxlan: CniPlugin<PluginHost> = {
  async add(args): Promise<Result100> {
    const n = loadBridgeConf(confObject(args), args.args);
    loadVxlanConf(confObject(args));
    const r = (await bridge.add(args)) as Result100;
    try {
      await ensureVtep(args, n.bridge);
      // The VTEP is a new bridge port: unless the bridge's address was set (isGateway does that), Linux gives the
      // bridge the lowest MAC of its ports, so the MAC bridge.add read may be gone. Report the bridge as it is now,
      // as upstream's bridge plugin reads the bridge again after its own port joined.
      const br = await args.kernel.kernel.link.get('', n.bridge);
      if (br === undefined || r.interfaces === undefined) return r;
      return { ...r, interfaces: r.interfaces.map((i) => (i.name === n.bridge && (i.sandbox ?? '') === '' ? { ...i, mac: br.mac } : i)) };
    } catch (e) {
      await bridge.del(args);
      throw e;
    }
  },
  async del(args) {
    await bridge.del(args);
  },
  async check(args) {
    await bridge.check(args);
    const v = loadVxlanConf(confObject(args));
    const l = await args.kernel.kernel.link.get('', v.name);
    if (l?.kind !== 'vxlan') fail(`vxlan device ${v.name} is missing`);
    if (l.master !== loadBridgeConf(confObject(args), args.args).bridge) fail(`vxlan device ${v.name} is not attached to the bridge`);
  },
};
