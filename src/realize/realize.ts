import { mkdirSync } from 'node:fs';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Cluster } from '../cluster/index.js';
import { LinuxKernel, NodeCommandRunner, type CommandRunner } from '../kernel/index.js';
import { errorMessage } from '../lib/index.js';
import { announceLoadBalancers, addNetns, type FabricContext, loadKubeProxyRules, wireNodeNetwork, wirePodNetwork } from './fabric.js';
import { checkPrefix, ownedBy, prefixFor, realNames } from './names.js';
import { addPodNetwork } from './pods.js';
import { RealizeError, checkProxyMode, preflight } from './preflight.js';
import { startResponder } from './responders.js';
import { StateStore, type RealizedState } from './state.js';
import { teardown } from './teardown.js';

/** kubewire's own plugins (cni-plugins/bin), the default CNI_PATH. */
export const OWN_CNI_PATH = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'cni-plugins', 'bin');

export interface RealizeProgress {
  readonly step: 'namespaces' | 'node-network' | 'pod-network' | 'rules' | 'pods' | 'load-balancers' | 'responders' | 'done';
  readonly text: string;
  /** For per-item steps: how many are done and how many there are. */
  readonly done?: number;
  readonly total?: number;
}

export interface RealizeOptions {
  /** CNI_PATH directories (default: kubewire's own plugins). */
  readonly cniPath?: readonly string[];
  /** Override the prefix derived from the topology path. */
  readonly prefix?: string;
  readonly runner?: CommandRunner;
  readonly store?: StateStore;
  readonly onProgress?: (p: RealizeProgress) => void;
  /** For tests of the checks: the uid and PATH preflight sees (default: this process's). */
  readonly uid?: number;
  readonly path?: string;
  /** Test hook: called after each pod's CNI ADD (lets a test kill the process halfway). */
  readonly afterPod?: (index: number) => void | Promise<void>;
}

/**
 * Builds the emulated cluster out of real namespaces: a switch for the node network, a namespace per node, pod and
 * external host (none connected to the machine's own), the pod network backend, the CNI chain for every pod, each
 * node's kube-proxy rules and the LoadBalancer announcements, then a responder in every pod with ports. All or
 * nothing: any failure removes everything created so far and rethrows. The state file is written ahead of every
 * namespace, so `kubewire down`/`cleanup` also work after a crash.
 */
export async function realize(cluster: Cluster, o: RealizeOptions = {}): Promise<RealizedState> {
  const runner = o.runner ?? new NodeCommandRunner();
  const store = o.store ?? new StateStore();
  preflight({ uid: o.uid ?? process.getuid?.(), path: o.path ?? process.env['PATH'] ?? '' });
  // The mode the cluster was built with (buildCluster may override the topology's proxyMode).
  const mode = cluster.proxies.values().next().value?.mode ?? cluster.topology.cluster.proxyMode;
  const tools = checkProxyMode(mode, '/proc', o.path ?? process.env['PATH'] ?? '');
  const prefix = checkPrefix(o.prefix ?? prefixFor(cluster.topology.file));
  const kernel = new LinuxKernel(runner);
  const inUse = (await kernel.netns.list()).filter((n) => ownedBy(n, prefix));
  if (store.list().includes(prefix) || inUse.length > 0) {
    throw new RealizeError(
      'KW_REALIZE_PREFIX_IN_USE',
      `prefix ${prefix} is already in use (${inUse.length > 0 ? `namespaces ${inUse.slice(0, 4).join(', ')}${inUse.length > 4 ? ', …' : ''}` : `state file ${store.file(prefix)}`}): run kubewire down ${cluster.topology.file} (or kubewire cleanup) first, or pass another --prefix`,
    );
  }
  const names = realNames(prefix);
  const state: RealizedState = {
    version: 1, prefix, topology: cluster.topology.file, status: 'creating', cniPath: o.cniPath ?? [OWN_CNI_PATH],
    workDir: store.workDir(prefix), switchNs: names.switchNs, namespaces: [], nodes: {}, externals: {}, pods: {}, responders: [],
  };
  store.save(state);
  const progress = o.onProgress ?? (() => undefined);
  const ctx: FabricContext = {
    kernel, runner, cluster, names,
    ...(tools.nft === undefined ? {} : { nft: tools.nft }),
    record: (ns) => {
      state.namespaces.push(ns);
      store.save(state);
    },
  };
  try {
    mkdirSync(join(state.workDir, 'ipam'), { recursive: true, mode: 0o700 });
    progress({ step: 'node-network', text: `switch ${names.switchNs}, ${cluster.topology.nodes.length} nodes, ${cluster.topology.external.length} external hosts` });
    cluster.topology.nodes.forEach((n, i) => (state.nodes[n.name] = { netns: names.node(i), switchPort: names.nodePort(i) }));
    cluster.topology.external.forEach((e, i) => (state.externals[e.name] = { netns: names.external(i), switchPort: names.externalPort(i) }));
    await wireNodeNetwork(ctx);
    progress({ step: 'pod-network', text: `${cluster.topology.cluster.network} between nodes` });
    await wirePodNetwork(ctx);
    progress({ step: 'rules', text: mode === 'nftables' ? 'kube-proxy rules (nft -f, and the kubelet\'s iptables-restore)' : 'kube-proxy rules (iptables-restore)' });
    await loadKubeProxyRules(ctx);
    const pods = [...cluster.pods.values()].filter((p) => p.netns.name !== cluster.nodes.get(p.node)?.netns.name);
    for (const [i, pod] of pods.entries()) {
      progress({ step: 'pods', text: `CNI ADD ${pod.key} on ${pod.node}`, done: i, total: pods.length });
      const podNs = names.pod(i);
      const nodeNs = state.nodes[pod.node]?.netns;
      if (nodeNs === undefined) throw new Error(`pod ${pod.key}: unknown node ${pod.node}`);
      state.pods[pod.key] = { key: pod.key, netns: podNs, node: pod.node, ip: '' };
      await addNetns(ctx, podNs, 'pod');
      const ip = await addPodNetwork({ cluster, pod, nodeNetns: nodeNs, podNetns: podNs, cniPath: state.cniPath, workDir: state.workDir });
      state.pods[pod.key] = { key: pod.key, netns: podNs, node: pod.node, ip };
      store.save(state);
      await o.afterPod?.(i);
    }
    progress({ step: 'load-balancers', text: `${cluster.announcements.length} LoadBalancer announcements` });
    await announceLoadBalancers(ctx);
    const serving = pods.filter((p) => p.ports.length > 0);
    for (const [i, pod] of serving.entries()) {
      progress({ step: 'responders', text: `responder in ${pod.key}`, done: i, total: serving.length });
      const ns = state.pods[pod.key]?.netns ?? '';
      await startResponder(ns, pod, join(state.workDir, `responder-${ns}.log`), (pid) => {
        state.responders.push(pid);
        store.save(state);
      });
    }
    state.status = 'up';
    store.save(state);
    progress({ step: 'done', text: `${prefix}: ${state.namespaces.length} namespaces up` });
    return state;
  } catch (e) {
    try {
      await teardown(prefix, { runner, store, state });
    } catch (e2) {
      throw new RealizeError('KW_REALIZE_ROLLBACK', `${errorMessage(e)}; rolling back also failed (${errorMessage(e2)}): run kubewire cleanup`, { cause: e });
    }
    throw e;
  }
}

/** `kubewire down <topology>`: tears down the cluster realized from that file (or prefix). */
export async function down(topologyFile: string, o: { prefix?: string; runner?: CommandRunner; store?: StateStore } = {}) {
  const prefix = checkPrefix(o.prefix ?? prefixFor(topologyFile));
  return teardown(prefix, { ...(o.runner === undefined ? {} : { runner: o.runner }), ...(o.store === undefined ? {} : { store: o.store }) });
}
