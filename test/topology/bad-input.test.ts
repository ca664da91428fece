import test from 'ava';
import { parseTopology } from '../../src/topology/index.js';
import { GOOD_APP, appWith, memFs, rejectsWith, topologyText } from './helpers/fixtures.js';

const FILE = 'topos/t.yaml';

/** Every kind of bad topology input: [name, topology text, manifest text, code, parts the message must contain]. */
const cases: readonly (readonly [string, string, string, string, readonly string[]])[] = [
  ['malformed YAML gives file:line:column', 'apiVersion: kubewire/v1\nkind: Topology\nnodes: [\n  {name: a\n', GOOD_APP, 'KW_TOPOLOGY_YAML', [`${FILE}:5:1: malformed YAML`]],
  ['tab indentation', 'apiVersion: kubewire/v1\nmetadata:\n\tname: x\n', GOOD_APP, 'KW_TOPOLOGY_YAML', [`${FILE}:3:1:`]],
  ['duplicate YAML key', topologyText() + 'kind: Topology\n', GOOD_APP, 'KW_TOPOLOGY_YAML', [`${FILE}:${topologyText().split('\n').length}:1: malformed YAML: Map keys must be unique`]],
  ['two YAML documents', `${topologyText()}---\n${topologyText()}`, GOOD_APP, 'KW_TOPOLOGY_YAML', ['one YAML document']],
  ['not a mapping', '- a\n- b\n', GOOD_APP, 'KW_TOPOLOGY_SCHEMA', [`${FILE}: /: must be object`]],
  ['unknown field in a node', topologyText((d) => { const n = d.nodes[0] ?? {}; n['podCidr'] = n['podCIDR']; delete n['podCIDR']; }), GOOD_APP, 'KW_TOPOLOGY_SCHEMA', [`${FILE}: /nodes/0: unknown field "podCidr"`]],
  ['unknown top-level field', topologyText((d) => { d['expectation'] = []; }), GOOD_APP, 'KW_TOPOLOGY_SCHEMA', ['/: unknown field "expectation"']],
  ['wrong apiVersion', topologyText((d) => { d['apiVersion'] = 'kubewire/v2'; }), GOOD_APP, 'KW_TOPOLOGY_SCHEMA', ['/apiVersion: must be "kubewire/v1" (got "kubewire/v2")']],
  ['missing required field', topologyText((d) => { delete d.cluster['serviceCIDR']; }), GOOD_APP, 'KW_TOPOLOGY_SCHEMA', ['/cluster: missing required field "serviceCIDR"']],
  ['unknown network backend', topologyText((d) => { d.cluster['network'] = 'calico'; }), GOOD_APP, 'KW_TOPOLOGY_SCHEMA', ['/cluster/network: must be one of "host-gw", "vxlan" (got "calico")']],
  ['CIDR with a prefix over 32', topologyText((d) => { d.cluster['clusterCIDR'] = '10.244.0.0/33'; }), GOOD_APP, 'KW_TOPOLOGY_SCHEMA', ['/cluster/clusterCIDR: must match format "cidr" (got "10.244.0.0/33")']],
  ['CIDR without prefix', topologyText((d) => { d.cluster['serviceCIDR'] = '10.96.0.0'; }), GOOD_APP, 'KW_TOPOLOGY_SCHEMA', ['/cluster/serviceCIDR: must match format "cidr"']],
  ['node IP that is not an address', topologyText((d) => { (d.nodes[1] ?? {})['ip'] = '192.168.50.300'; }), GOOD_APP, 'KW_TOPOLOGY_SCHEMA', ['/nodes/1/ip: must match format "ipv4" (got "192.168.50.300")']],
  ['CIDR with host bits set', topologyText((d) => { d.cluster['clusterCIDR'] = '10.244.1.0/16'; }), GOOD_APP, 'KW_TOPOLOGY_INVALID_CIDR', [`${FILE}: /cluster/clusterCIDR:`, 'host bits set', '10.244.0.0/16']],
  ['podCIDR with host bits set', topologyText((d) => { (d.nodes[2] ?? {})['podCIDR'] = '10.244.3.7/24'; }), GOOD_APP, 'KW_TOPOLOGY_INVALID_CIDR', ['/nodes/2/podCIDR', 'host bits']],
  ['nodeCIDRMaskSize below the cluster prefix', topologyText((d) => { d.cluster['nodeCIDRMaskSize'] = 8; }), GOOD_APP, 'KW_TOPOLOGY_NODE_CIDR_MASK_SIZE', ['/cluster/nodeCIDRMaskSize', 'smaller than the prefix of clusterCIDR 10.244.0.0/16']],
  ['nodeCIDRMaskSize over 32', topologyText((d) => { d.cluster['nodeCIDRMaskSize'] = 33; }), GOOD_APP, 'KW_TOPOLOGY_SCHEMA', ['/cluster/nodeCIDRMaskSize: must be <= 32']],
  ['nodeCIDRMaskSize leaving no pod addresses', topologyText((d) => { d.cluster['nodeCIDRMaskSize'] = 31; }), GOOD_APP, 'KW_TOPOLOGY_NODE_CIDR_MASK_SIZE', ['host-local']],
  ['clusterCIDR overlapping serviceCIDR', topologyText((d) => { d.cluster['serviceCIDR'] = '10.244.128.0/20'; }), GOOD_APP, 'KW_TOPOLOGY_CIDR_OVERLAP', ['/cluster/clusterCIDR', 'clusterCIDR 10.244.0.0/16 overlaps serviceCIDR 10.244.128.0/20']],
  ['clusterCIDR overlapping the node network', topologyText((d) => { d.cluster['nodeNetwork'] = { cidr: '10.244.200.0/24' }; for (const [i, n] of d.nodes.entries()) n['ip'] = `10.244.200.${i + 11}`; }), GOOD_APP, 'KW_TOPOLOGY_CIDR_OVERLAP', ['overlaps the node network 10.244.200.0/24']],
  ['LB pool overlapping serviceCIDR', topologyText((d) => { d.cluster['loadBalancer'] = { pool: '10.100.0.0/24', mode: 'l2' }; }), GOOD_APP, 'KW_TOPOLOGY_CIDR_OVERLAP', ['/cluster/loadBalancer/pool', 'serviceCIDR 10.96.0.0/12']],
  ['LB pool containing a node IP', topologyText((d) => { d.cluster['loadBalancer'] = { pool: '192.168.50.8/29' }; }), GOOD_APP, 'KW_TOPOLOGY_LB_POOL_CONFLICT', ['/nodes/0/ip', 'node IP 192.168.50.11 of node-a lies inside the loadBalancer pool 192.168.50.8/29']],
  ['podCIDR outside clusterCIDR', topologyText((d) => { (d.nodes[1] ?? {})['podCIDR'] = '10.245.2.0/24'; }), GOOD_APP, 'KW_TOPOLOGY_POD_CIDR_OUTSIDE_CLUSTER', ['/nodes/1/podCIDR', 'podCIDR 10.245.2.0/24 of node-b is outside clusterCIDR 10.244.0.0/16']],
  ['overlapping podCIDRs', topologyText((d) => { (d.nodes[2] ?? {})['podCIDR'] = '10.244.0.0/22'; }), GOOD_APP, 'KW_TOPOLOGY_POD_CIDR_OVERLAP', ['/nodes/2/podCIDR', 'podCIDR 10.244.0.0/22 of node-c overlaps podCIDR 10.244.1.0/24 of node-a']],
  ['identical podCIDRs', topologyText((d) => { (d.nodes[1] ?? {})['podCIDR'] = '10.244.1.0/24'; }), GOOD_APP, 'KW_TOPOLOGY_POD_CIDR_OVERLAP', ['/nodes/1/podCIDR', 'of node-b overlaps podCIDR 10.244.1.0/24 of node-a']],
  ['node IP outside every network', topologyText((d) => { (d.nodes[0] ?? {})['ip'] = '10.0.0.5'; }), GOOD_APP, 'KW_TOPOLOGY_IP_OUTSIDE_NETWORK', [`${FILE}: /nodes/0/ip: node IP 10.0.0.5 of node-a is outside every network: the node network is 192.168.50.0/24`]],
  ['external IP outside every network', topologyText((d) => { d['external'] = [{ name: 'client', ip: '192.168.51.200' }]; }), GOOD_APP, 'KW_TOPOLOGY_IP_OUTSIDE_NETWORK', ['/external/0/ip', 'external IP 192.168.51.200 of client is outside every network']],
  ['gateway outside the node network', topologyText((d) => { d.cluster['nodeNetwork'] = { cidr: '192.168.50.0/24', gateway: '192.168.49.1' }; }), GOOD_APP, 'KW_TOPOLOGY_IP_OUTSIDE_NETWORK', ['/cluster/nodeNetwork/gateway', 'gateway 192.168.49.1 is outside the node network 192.168.50.0/24']],
  ['node IP on the network address', topologyText((d) => { (d.nodes[0] ?? {})['ip'] = '192.168.50.0'; }), GOOD_APP, 'KW_TOPOLOGY_RESERVED_IP', ['/nodes/0/ip', 'network address']],
  ['node IP on the broadcast address', topologyText((d) => { (d.nodes[0] ?? {})['ip'] = '192.168.50.255'; }), GOOD_APP, 'KW_TOPOLOGY_RESERVED_IP', ['/nodes/0/ip', 'broadcast address']],
  ['duplicate node name', topologyText((d) => { (d.nodes[1] ?? {})['name'] = 'node-a'; }), GOOD_APP, 'KW_TOPOLOGY_DUPLICATE_NAME', ['/nodes/1/name', 'node name "node-a" is already used by node at /nodes/0/name']],
  ['external host named like a node', topologyText((d) => { d['external'] = [{ name: 'node-b', ip: '192.168.50.200' }]; }), GOOD_APP, 'KW_TOPOLOGY_DUPLICATE_NAME', ['/external/0/name']],
  ['invalid node name', topologyText((d) => { (d.nodes[0] ?? {})['name'] = 'Node_A'; }), GOOD_APP, 'KW_TOPOLOGY_INVALID_NAME', ['/nodes/0/name', 'RFC 1123']],
  ['duplicate node IP', topologyText((d) => { (d.nodes[2] ?? {})['ip'] = '192.168.50.11'; }), GOOD_APP, 'KW_TOPOLOGY_DUPLICATE_IP', ['/nodes/2/ip', 'node IP 192.168.50.11 of node-c is already used by node IP 192.168.50.11 of node-a']],
  ['node IP equal to the gateway', topologyText((d) => { (d.nodes[0] ?? {})['ip'] = '192.168.50.1'; }), GOOD_APP, 'KW_TOPOLOGY_DUPLICATE_IP', ['/nodes/0/ip', 'the gateway 192.168.50.1']],
  ['external IP equal to a node IP', topologyText((d) => { d['external'] = [{ name: 'client', ip: '192.168.50.12' }]; }), GOOD_APP, 'KW_TOPOLOGY_DUPLICATE_IP', ['/external/0/ip', 'node-b']],
  ['invalid node label', topologyText((d) => { (d.nodes[0] ?? {})['labels'] = { zone: 'a b' }; }), GOOD_APP, 'KW_TOPOLOGY_INVALID_LABEL', ['/nodes/0/labels/zone']],
  ['not enough podCIDRs left', topologyText((d) => { d.cluster['clusterCIDR'] = '10.244.0.0/23'; (d.nodes[0] ?? {})['podCIDR'] = '10.244.1.0/24'; delete (d.nodes[1] ?? {})['podCIDR']; delete (d.nodes[2] ?? {})['podCIDR']; }), GOOD_APP, 'KW_TOPOLOGY_POD_CIDRS_EXHAUSTED', ['/nodes/2', 'no podCIDR left for node node-c', '10.244.0.0/23 holds 2 /24 subnets']],
  ['node mask more than 16 bits longer than the cluster prefix', topologyText((d) => { d.cluster['clusterCIDR'] = '10.0.0.0/7'; d.cluster['serviceCIDR'] = '172.20.0.0/16'; }), GOOD_APP, 'KW_TOPOLOGY_NODE_CIDR_MASK_SIZE', ['more than 16 bits']],
  ['conflist missing', topologyText((d) => { d.cluster['cni'] = { conflist: './cni/nope.conflist' }; }), GOOD_APP, 'KW_TOPOLOGY_CONFLIST', ['/cluster/cni/conflist', 'cannot read conflist topos/cni/nope.conflist: no such file']],
  ['conflist not JSON', topologyText((d) => { d.cluster['cni'] = { conflist: './cni/bad.conflist' }; }), GOOD_APP, 'KW_TOPOLOGY_CONFLIST', ['conflist topos/cni/bad.conflist is not valid JSON']],
  ['conflist without plugins', topologyText((d) => { d.cluster['cni'] = { conflist: './cni/empty.conflist' }; }), GOOD_APP, 'KW_TOPOLOGY_CONFLIST', ['non-empty "plugins" list']],
  ['manifest missing', topologyText((d) => { d['manifests'] = ['./app.yaml', './missing.yaml']; }), GOOD_APP, 'KW_TOPOLOGY_MANIFEST_FILE', [`${FILE}: /manifests/1`, 'cannot read manifest topos/missing.yaml: no such file']],
  ['malformed manifest YAML', topologyText(), 'apiVersion: v1\nkind: Pod\nmetadata: {name: x\n', 'KW_TOPOLOGY_YAML', ['topos/app.yaml:4:1: malformed YAML']],
  ['pod pinned to an unknown node', topologyText(), appWith((docs) => { const spec = docs[3]?.['spec'] as Record<string, unknown>; spec['nodeName'] = 'node-z'; }), 'KW_TOPOLOGY_UNKNOWN_NODE', ['topos/app.yaml (document 4): /spec/nodeName', 'Pod "db" is pinned to node "node-z", which is not in the topology; known nodes: node-a, node-b, node-c']],
  ['pod template pinned to an unknown node', topologyText(), appWith((docs) => { const tpl = (docs[1]?.['spec'] as Record<string, Record<string, Record<string, unknown>>>)['template']; if (tpl?.['spec'] !== undefined) tpl['spec']['nodeName'] = 'node-q'; }), 'KW_TOPOLOGY_UNKNOWN_NODE', ['topos/app.yaml (document 2): /spec/template/spec/nodeName', 'node-q']],
];

for (const [name, text, app, code, parts] of cases) {
  test(`bad input: ${name}`, async (t) => {
    const fs = memFs({ 'topos/app.yaml': app, 'topos/cni/bad.conflist': '{"cniVersion": "1.0.0",', 'topos/cni/empty.conflist': '{"cniVersion": "1.0.0", "name": "x", "plugins": []}' });
    await rejectsWith(t, parseTopology(text, FILE, fs), code, parts);
  });
}

test('schema errors are all listed, not only the first', async (t) => {
  const text = topologyText((d) => {
    d.cluster['proxyMode'] = 'ebpf';
    (d.nodes[0] ?? {})['zone'] = 'a';
    d.cluster['clusterCIDR'] = '10.244.0.0/99';
  });
  await rejectsWith(t, parseTopology(text, FILE, memFs({ 'topos/app.yaml': GOOD_APP })), 'KW_TOPOLOGY_SCHEMA', [
    `${FILE}: 3 problems:`,
    '/cluster/clusterCIDR: must match format "cidr"',
    '/cluster/proxyMode: must be one of "iptables", "ipvs", "userspace", "nftables" (got "ebpf")',
    '/nodes/0: unknown field "zone"',
  ]);
});

test('a bad topology names no manifest: checks on the file come before reading manifests', async (t) => {
  const read: string[] = [];
  const inner = memFs({ 'topos/app.yaml': GOOD_APP });
  const text = topologyText((d) => { (d.nodes[0] ?? {})['ip'] = '10.0.0.5'; });
  await t.throwsAsync(parseTopology(text, FILE, (p) => { read.push(p); return inner(p); }));
  t.deepEqual(read, []);
});
