import type { CniPlugin, PluginHost, Result100 } from '../../../src/cni/index.js';
import { type Args, fail, ignoreGone, openNetns } from '../../pkg/common.js';
import { prevResult100 } from '../../pkg/chain.js';

/**
 * loopback (plugins/main/loopback): brings `lo` up whatever CNI_IFNAME says and reports 127.0.0.1/8 and ::1/128;
 * given a prevResult it passes it through. Unlike upstream it stamps the result with the version it really has,
 * so the skel converts it (upstream's pre-1.0 results are 1.0-shaped, plugins#381).
 */
export const loopback: CniPlugin<PluginHost> = {
  async add(args: Args): Promise<Result100> {
    const k = args.kernel.kernel;
    await openNetns(k, args.netns);
    await k.link.setUp(args.netns, 'lo', true);
    const prev = prevResult100(args);
    if (prev !== undefined) return prev;
    const lo = await k.link.get(args.netns, 'lo');
    return {
      cniVersion: '1.0.0',
      interfaces: [{ name: 'lo', mac: lo?.mac ?? '00:00:00:00:00:00', sandbox: args.netns }],
      ips: [{ interface: 0, address: '127.0.0.1/8' }, { interface: 0, address: '::1/128' }],
    };
  },
  async del(args) {
    const k = args.kernel.kernel;
    if (args.netns === '' || !(await k.netns.exists(args.netns))) return;
    await ignoreGone(() => k.link.setUp(args.netns, 'lo', false));
  },
  async check(args) {
    const k = args.kernel.kernel;
    await openNetns(k, args.netns);
    const lo = await k.link.get(args.netns, 'lo');
    if (lo === undefined || !lo.up) fail('loopback interface is down');
  },
};
