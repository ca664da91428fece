import { confListFromJson, MemoryFiles, type NetworkConfigList } from '../../src/cni/index.js';
import { Network } from '../../src/net/index.js';
import { Netfilter } from '../../src/net/netfilter/index.js';
import { inProcessCni, type InProcessCni } from '../../cni-plugins/in-process.js';

/** One node ("node/a") with a pod namespace per name, our plugins in-process on its virtual kernel. */
export function world(pods: readonly string[] = ['pod/default/web']): InProcessCni & { network: Network; nf: Map<string, Netfilter>; mem: MemoryFiles } {
  const network = new Network();
  network.addNetns('node/a', { kind: 'node', node: 'a' }, { sysctl: { ipForward: true } });
  for (const p of pods) network.addNetns(p, { kind: 'pod', node: 'a', pod: p });
  const nf = new Map<string, Netfilter>();
  const mem = new MemoryFiles();
  const cni = inProcessCni({
    network, host: 'node/a', files: mem,
    netfilter: (ns) => {
      let f = nf.get(ns);
      if (f === undefined) nf.set(ns, (f = new Netfilter(ns)));
      return f;
    },
  });
  return { ...cni, network, nf, mem };
}

export function bridgeList(version: string, extra: Record<string, unknown> = {}, ipam: Record<string, unknown> = {}): NetworkConfigList {
  return confListFromJson({
    cniVersion: version, name: 'kubewire',
    plugins: [{ type: 'bridge', bridge: 'cni0', isGateway: true, ...extra, ipam: { type: 'host-local', ranges: [[{ subnet: '10.244.1.0/24' }]], routes: [{ dst: '0.0.0.0/0' }], dataDir: '/var/lib/cni/networks', ...ipam } }],
  });
}
