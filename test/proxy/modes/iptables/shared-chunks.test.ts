import test from 'ava';
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { parseIp4 } from '../../../../src/addr/index.js';
import {
  BLOCK_SIZE,
  createSharedIptablesContext,
  IptablesProxier,
  type IptablesSyncReport,
  type NodeContext,
  type ProxierConfig,
  renderServicePort,
  resolveConfig,
  type SharedIptablesContext,
  variantFor,
  ZONE_LABEL,
} from '../../../../src/proxy/index.js';
import { fixedFilterChains, fixedFilterRulesHead, fixedFilterRulesTail, fixedNatChains, fixedNatRulesHead, nodePortsJumpRules } from '../../../../src/proxy/modes/iptables/fixed-rules.js';
import { fakeProxierConfig, makeTestEndpointSlice, makeTestService, tcpPort } from '../../helpers.js';

// Four nodes in two zones; node-b's IP is in the source ranges of the firewalled LoadBalancers.
const NODES = [
  { name: 'node-a', ip: '192.168.0.10', zone: 'zone-1' },
  { name: 'node-b', ip: '192.168.0.11', zone: 'zone-2' },
  { name: 'node-c', ip: '192.168.0.12', zone: 'zone-1' },
  { name: 'node-d', ip: '192.168.0.13', zone: 'zone-2' },
];
// Three blocks and a bit: node-specific services sit at the start, middle and end of blocks.
const COUNT = 2 * BLOCK_SIZE + 40;

/** Eight kinds of Service, by i % 8: most of them render differently on some nodes. */
function service(i: number, gen = 0): Service {
  const svc = makeTestService(`ns${i % 5}`, `s${i}`, (s) => {
    s.spec.clusterIP = `172.30.${i >> 8}.${i & 255}`;
    const port = { name: 'p80', port: 80 + gen, protocol: 'TCP', nodePort: 30000 + i };
    const { nodePort: _np, ...clusterPort } = port;
    s.spec.ports = [clusterPort];
    const lb = (): void => {
      s.spec.type = 'LoadBalancer';
      s.spec.ports = [port];
      s.status = { loadBalancer: { ingress: [{ ip: `1.2.${i >> 8}.${i & 255}` }] } };
    };
    switch (i % 8) {
      case 1:
        s.spec.type = 'NodePort';
        s.spec.ports = [port];
        s.spec.externalTrafficPolicy = 'Local';
        break;
      case 2:
        lb();
        s.spec.externalTrafficPolicy = 'Local';
        s.spec.healthCheckNodePort = 32000 + i;
        break;
      case 3:
        s.spec.internalTrafficPolicy = 'Local';
        break;
      case 4:
        lb();
        s.spec.loadBalancerSourceRanges = ['192.168.0.11/32', '203.0.113.0/25'];
        break;
      case 5:
        s.metadata = { ...s.metadata, annotations: { 'service.kubernetes.io/topology-mode': 'Auto' } };
        break;
      case 6:
        s.spec.type = 'NodePort';
        s.spec.ports = [port];
        break;
      default:
        break;
    }
  });
  return { ...svc, metadata: { ...svc.metadata, resourceVersion: `${gen}` } };
}

/** n endpoints on consecutive nodes from `first` (kind 7 gets none; kind 5 carries zone hints). */
function slice(i: number, n: number, first = i): EndpointSlice {
  const count = i % 8 === 7 ? 0 : n;
  const eps = Array.from({ length: count }, (_, k) => ({
    addresses: [`10.${i >> 8}.${i & 255}.${k + 1}`],
    nodeName: NODES[(first + k) % NODES.length]?.name ?? '',
    conditions: { ready: k !== 2 || i % 3 !== 0, serving: true, terminating: k === 2 && i % 3 === 0 },
    ...(i % 8 === 5 ? { hints: { forZones: [{ name: `zone-${1 + (k % 2)}` }] } } : {}),
  }));
  const s = makeTestEndpointSlice(`ns${i % 5}`, `s${i}`, 1, eps, [tcpPort('p80', 8080)]);
  return { ...s, metadata: { ...s.metadata, resourceVersion: `${n}.${first}` } };
}

type Step = (p: IptablesProxier) => void;

/** Watch events, step by step; every node syncs after each step. */
const STEPS: readonly { readonly events: Step; readonly changed: readonly string[] }[] = [
  {
    events: (p) => {
      for (let i = 0; i < COUNT; i++) {
        p.onServiceAdd(service(i));
        p.onEndpointSliceAdd(slice(i, 1 + (i % 3)));
      }
    },
    changed: [],
  },
  // Local Services' endpoints move to other nodes; a plain Service in the middle block changes port.
  {
    events: (p) => {
      p.onEndpointSliceUpdate(slice(9, 2), slice(9, 3, 2));
      p.onEndpointSliceUpdate(slice(BLOCK_SIZE + 2, 1 + ((BLOCK_SIZE + 2) % 3)), slice(BLOCK_SIZE + 2, 1, 1));
      p.onServiceUpdate(service(BLOCK_SIZE + 8), service(BLOCK_SIZE + 8, 1));
    },
    changed: ['ns4/s9', `ns${(BLOCK_SIZE + 2) % 5}/s${BLOCK_SIZE + 2}`, `ns${(BLOCK_SIZE + 8) % 5}/s${BLOCK_SIZE + 8}`],
  },
  // A Local Service and a plain one go; a Local one arrives at the end; a firewalled LB changes.
  {
    events: (p) => {
      p.onServiceDelete(service(17));
      p.onEndpointSliceDelete(slice(17, 1 + (17 % 3)));
      p.onServiceDelete(service(2 * BLOCK_SIZE + 8));
      p.onServiceAdd(service(COUNT + 1));
      p.onEndpointSliceAdd(slice(COUNT + 1, 2));
      p.onServiceUpdate(service(12), service(12, 2));
    },
    changed: ['ns2/s17', `ns${(2 * BLOCK_SIZE + 8) % 5}/s${2 * BLOCK_SIZE + 8}`, `ns${(COUNT + 1) % 5}/s${COUNT + 1}`, 'ns2/s12'],
  },
];

const configOf = (n: (typeof NODES)[number], zone: string, over: Partial<ProxierConfig>): ProxierConfig =>
  fakeProxierConfig({ nodeName: n.name, nodeIPs: [parseIp4(n.ip)], nodeLabels: { [ZONE_LABEL]: zone }, ...over });

/**
 * The node's restore text rendered from scratch: every Service port rendered for this node alone
 * (renderServicePort with the node's variant, no shared text), in kube-proxy's section order. On a
 * partial sync only the changed Services' chains are written, plus the deleted chains.
 */
function fromScratch(ctx: SharedIptablesContext, config: ProxierConfig, node: NodeContext, r: IptablesSyncReport): string {
  const cfg = resolveConfig(config);
  const st = ctx.state;
  const large = st.totalEndpoints > cfg.largeClusterThreshold;
  const full = r.kind === 'full';
  const changed = new Set(r.changedServices);
  let filter = '';
  let decls = '';
  let rules = '';
  for (const o of st.serviceOrder) {
    if (o === undefined) continue;
    const svc = st.services.portsOf(o.serviceKey)?.get(o.portKey);
    if (svc === undefined) continue;
    const eps = st.endpoints.endpointsFor(o.serviceKey, o.portKey) ?? [];
    const out = renderServicePort(svc, eps, cfg.render, variantFor(svc, eps, node, large).node);
    filter += out.filter;
    rules += out.natHead;
    if (full || changed.has(o.serviceKey)) {
      decls += out.natChainDecls;
      rules += out.natChainRules;
    }
  }
  const del = r.deletedChains;
  return (
    `*filter\n${fixedFilterChains(cfg)}${fixedFilterRulesHead(cfg)}${filter}${fixedFilterRulesTail(cfg)}COMMIT\n` +
    `*nat\n${fixedNatChains()}${decls}${del.map((c) => `:${c} - [0:0]\n`).join('')}${fixedNatRulesHead(cfg)}${rules}` +
    `${del.map((c) => `-X ${c}\n`).join('')}${nodePortsJumpRules(cfg)}COMMIT\n`
  );
}

/** The per-service nat chains a full restore text declares. */
function serviceChains(restore: string): Set<string> {
  const nat = restore.slice(restore.indexOf('*nat\n'));
  return new Set([...nat.matchAll(/^:(KUBE-(?:SVC|SVL|EXT|FW|SEP)-\S+) /gm)].map((m) => m[1] ?? ''));
}

for (const [label, over] of [
  ['default flags', {}],
  ['large-cluster mode', { largeClusterThreshold: 10 }],
] as const) {
  test(`${label}: every node's sync through the shared chunks equals its rendering from scratch, byte for byte`, (t) => {
    const ctx = createSharedIptablesContext();
    const zones = NODES.map((n) => n.zone);
    const proxiers = NODES.map((n) => new IptablesProxier(configOf(n, n.zone, over), ctx));
    const previous = new Map<string, Set<string>>();
    const check = (i: number, r: IptablesSyncReport, where: string): void => {
      const n = NODES[i] ?? { name: '', ip: '', zone: '' };
      const zone = zones[i] ?? '';
      const node: NodeContext = { nodeName: n.name, nodeIP: parseIp4(n.ip), zone };
      t.is(r.restore, fromScratch(ctx, configOf(n, zone, over), node, r), where);
      // Chains deleted: exactly those the node had and its new full rendering no longer has.
      const now = serviceChains(proxiers[i]?.renderFull() ?? '');
      const before = previous.get(n.name);
      if (before !== undefined && r.kind === 'partial') t.deepEqual(r.deletedChains, [...before].filter((c) => !now.has(c)).sort(), `${where}: deleted chains`);
      previous.set(n.name, now);
    };
    STEPS.forEach((step, s) => {
      for (const p of proxiers) step.events(p);
      proxiers.forEach((p, i) => {
        const r = p.sync();
        t.is(r.kind, s === 0 ? 'full' : 'partial');
        if (s > 0) t.deepEqual([...r.changedServices].sort(), [...step.changed].sort());
        check(i, r, `${NODES[i]?.name} after step ${s}`);
      });
    });
    // node-a moves to zone-2: a full sync for node-a (topology hints now pick zone-2 endpoints).
    zones[0] = 'zone-2';
    for (const p of proxiers) p.onNodeUpdate({ metadata: { name: 'node-a', labels: { [ZONE_LABEL]: 'zone-2' } } });
    const ra = proxiers[0]?.sync();
    t.is(ra?.kind, 'full');
    if (ra !== undefined) check(0, ra, 'node-a after its zone changed');
    t.is(proxiers[1]?.sync().kind, 'noop');
    // Rules really differ between nodes (else this test would not exercise node-specific pieces).
    const texts = new Set(proxiers.map((p) => p.renderFull()));
    t.is(texts.size, NODES.length);
  });
}
