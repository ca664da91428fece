import { resolve as resolvePath } from 'node:path';
import { LiveCluster, traceInCluster } from '../cluster/index.js';
import { InputError, errorMessage } from '../lib/index.js';
import { listen, writeKubeconfig, type RulesService, type RunningServer, type TraceRequest, type TraceService } from '../server/index.js';
import { loadTopology } from '../topology/index.js';
import { traceToJson } from './render-trace.js';
import { SettleDriver } from './serve-driver.js';

export interface ServeOptions {
  readonly host?: string;
  /** 0 picks an ephemeral port (printed on stdout). */
  readonly port?: number;
  readonly token?: string;
  /** Where to write the kubeconfig (default ./kubewire.kubeconfig). */
  readonly kubeconfig?: string;
  /** manual (default): simulated time stands still; realtime: it follows wall time, once a second. */
  readonly clock?: 'manual' | 'realtime';
  readonly seed?: number;
}

export interface Serving {
  readonly live: LiveCluster;
  readonly server: RunningServer;
  readonly kubeconfig: string;
  /** Resolves when the cluster has reacted to every write so far. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

const ENDPOINT_KINDS = ['pod/', 'node/', 'svc/', 'external/'];
/** kube-controller-manager's namespaceDeletionGracePeriod. */
const NAMESPACE_DELETION_GRACE_MS = 5000;

/**
 * The HTTP trace request names endpoints loosely ("ns/name", a node name, an IP); the tracer wants
 * the CLI's explicit forms. Explicit forms and IPs pass through; "ns/name" is a Service for the
 * destination when one exists (else a pod), and a pod for the source; a bare name is a node or an
 * external host.
 */
export function endpointText(live: LiveCluster, text: string, role: 'from' | 'to', services: ReadonlySet<string>): string {
  if (ENDPOINT_KINDS.some((k) => text.startsWith(k))) return text;
  const [base] = text.split(':');
  const slash = (base ?? '').split('/').length;
  if (slash === 2) return role === 'to' && services.has(base ?? '') ? `svc/${text}` : `pod/${text}`;
  if (live.nodes.has(base ?? '')) return `node/${text}`;
  if (live.externals.has(base ?? '')) return `external/${text}`;
  return text;
}

function traceService(live: LiveCluster, driver: SettleDriver): TraceService {
  return {
    trace: async (req: TraceRequest) => {
      await driver.idle();
      const cluster = live.cluster();
      const services = new Set(cluster.services.keys());
      const r = traceInCluster(cluster, {
        from: endpointText(live, req.from, 'from', services),
        to: endpointText(live, req.to, 'to', services),
        ...(req.port === undefined ? {} : { dport: req.port }),
        ...(req.protocol === undefined ? {} : { proto: req.protocol === 'TCP' ? 'tcp' : req.protocol === 'UDP' ? 'udp' : 'sctp' }),
      });
      return traceToJson(r);
    },
  };
}

function rulesService(live: LiveCluster, driver: SettleDriver): RulesService {
  return {
    rules: async (node, format) => {
      await driver.idle();
      if (!live.nodes.has(node)) return undefined;
      if (format !== undefined && format !== 'iptables-save') {
        throw new InputError('KW_CLI_RULES_FORMAT', `format "${format}": a live cluster runs kube-proxy in iptables mode, so only iptables-save is available`);
      }
      const proxy = live.cluster().proxies.get(node);
      if (proxy === undefined) throw new InputError('KW_CLI_UNSUPPORTED', `no kube-proxy follows node ${node} live (only proxyMode iptables does)`);
      return proxy.iptablesSave();
    },
  };
}

/**
 * Brings the topology up as a live cluster and serves its API server (the very instance the
 * controllers, scheduler and kubelets use), so kubectl's writes reach them; the driver runs the
 * control loop after every write.
 */
export async function startServe(topologyPath: string, opts: ServeOptions, log: (s: string) => void): Promise<Serving> {
  const topology = await loadTopology(topologyPath);
  // Simulated time starts at the wall clock's second: kubectl describe computes ages from its own clock, and an
  // epoch in the past made every age read like "690d". Only the stamps move; what happens stays deterministic.
  const startTimeMs = Math.floor(Date.now() / 1000) * 1000;
  // The namespace controller waits namespaceDeletionGracePeriod (5 s of wall time, whatever the clock mode) before it
  // deletes a Terminating namespace's content, so `kubectl delete -f` can still delete the objects listed after it.
  const pendingCleanups = new Set<ReturnType<typeof setTimeout>>();
  let pokeDriver = (): void => undefined;
  const deferNamespaceCleanup = (start: () => void): void => {
    const timer = setTimeout(() => {
      pendingCleanups.delete(timer);
      start();
      pokeDriver();
    }, NAMESPACE_DELETION_GRACE_MS);
    pendingCleanups.add(timer);
  };
  const live = await LiveCluster.start(topology, { startTimeMs, deferNamespaceCleanup, ...(opts.seed === undefined ? {} : { seed: opts.seed }) });
  const cp = live.controlPlane;
  const driver = new SettleDriver(live, (e) => log(`kubewire: control loop error: ${errorMessage(e)}\n`));
  pokeDriver = () => driver.poke();
  const watch = cp.api.store.watch({}, () => driver.poke());
  let server: RunningServer;
  try {
    server = await listen(
      { api: cp.api, clock: cp.clock, trace: traceService(live, driver), rules: rulesService(live, driver) },
      { ...(opts.host === undefined ? {} : { host: opts.host }), port: opts.port ?? 0, ...(opts.token === undefined ? {} : { token: opts.token }) },
    );
  } catch (e) {
    watch.stop();
    for (const t of pendingCleanups) clearTimeout(t);
    await driver.stop();
    throw e;
  }
  let tick: ReturnType<typeof setInterval> | undefined;
  if (opts.clock === 'realtime') {
    // The edge reads the wall clock; the core only ever sees advance(ms).
    let last = performance.now();
    tick = setInterval(() => {
      const now = performance.now();
      driver.advance(Math.floor(now - last));
      last += Math.floor(now - last);
    }, 1000);
  }
  const kubeconfig = resolvePath(opts.kubeconfig ?? 'kubewire.kubeconfig');
  await writeKubeconfig(kubeconfig, server.url, opts.token);
  return {
    live,
    server,
    kubeconfig,
    idle: () => driver.idle(),
    close: async () => {
      if (tick !== undefined) clearInterval(tick);
      for (const t of pendingCleanups) clearTimeout(t);
      watch.stop();
      await server.close();
      await driver.stop();
    },
  };
}
