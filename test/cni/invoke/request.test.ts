import test from 'ava';
import { buildRequest, buildRequestJson, type PluginConfObject, type Result100 } from '../../../src/cni/index.js';

const prevResult: Result100 = {
  cniVersion: '1.0.0',
  interfaces: [{ name: 'cni0', mac: '0a:58:0a:f4:00:01' }, { name: 'eth0', mac: '0a:58:0a:f4:00:05', sandbox: '/run/netns/p' }],
  ips: [{ interface: 1, address: '10.244.0.5/24', gateway: '10.244.0.1' }],
  routes: [{ dst: '0.0.0.0/0' }],
  dns: {},
};

const plugins: PluginConfObject[] = [
  { type: 'bridge', bridge: 'cni0', isGateway: true, ipam: { type: 'host-local', ranges: [[{ subnet: '10.244.0.0/24', gateway: '10.244.0.1' }]], dataDir: '/x' } },
  // Unsorted nested keys, integer-like keys (JS puts them first), an undefined value, capabilities with args.
  { type: 'portmap', zeta: { b: 1, a: [3, { y: null, x: -0 }], 10: 'ten', 2: 'two' }, capabilities: { portMappings: true, bandwidth: false }, snat: undefined } as unknown as PluginConfObject,
];

for (const [i, plugin] of plugins.entries()) {
  test(`the request value is what its text parses to, keys in the same order (plugin ${i})`, (t) => {
    const parts = {
      name: 'k8s-pod-network', cniVersion: '1.0.0', prevResult,
      capabilityArgs: { portMappings: [{ hostPort: 80, containerPort: 8080, protocol: 'tcp' }], bandwidth: { ingressRate: 1 } },
      inject: { 'cni.dev/valid-attachments': [{ ifname: 'eth0', containerID: 'c1' }] },
    };
    const text = buildRequest(plugin, parts);
    const json = buildRequestJson(plugin, parts);
    t.deepEqual(json, JSON.parse(text));
    t.is(JSON.stringify(json), text); // same keys in the same order at every level
    t.is(JSON.stringify(buildRequestJson(plugin, { name: 'n', cniVersion: '0.4.0', stripCapabilities: true })), buildRequest(plugin, { name: 'n', cniVersion: '0.4.0', stripCapabilities: true }));
  });
}

test('the plugin parts of a request value are frozen: a plugin cannot change the loaded config through them', (t) => {
  const plugin = plugins[0] as PluginConfObject;
  const json = buildRequestJson(plugin, { name: 'n', cniVersion: '1.0.0' });
  t.true(Object.isFrozen(json['ipam']));
  t.throws(() => { (json['ipam'] as Record<string, unknown>)['type'] = 'dhcp'; }, { instanceOf: TypeError });
  t.is((buildRequestJson(plugin, { name: 'n', cniVersion: '1.0.0' })['ipam'] as Record<string, unknown>)['type'], 'host-local');
});

test('requests of one plugin with different runtime keys each get their own key order (value = parsed text)', (t) => {
  const plugin = plugins[1] as PluginConfObject;
  const prev020 = { cniVersion: '0.2.0', ip4: { ip: '10.1.0.5/16', gateway: '10.1.0.1', routes: [{ dst: '0.0.0.0/0', gw: '' }] }, dns: { nameservers: ['10.1.0.1'], domain: '' } } as const;
  const variants = [
    { name: 'n', cniVersion: '1.0.0' },
    { name: 'n', cniVersion: '1.0.0', prevResult },
    { name: 'n', cniVersion: '0.2.0', prevResult: prev020 },
    { name: 'n', cniVersion: '1.0.0', stripCapabilities: true, inject: { capabilities: { x: true }, aaa: 1 } },
    { name: 'n', cniVersion: '1.0.0', stripCapabilities: true, inject: { name: 'other' } },
    { name: 'n', cniVersion: '1.0.0', capabilityArgs: { portMappings: [] } },
    { name: 'n', cniVersion: '1.0.0' },
  ];
  for (const [i, parts] of variants.entries()) {
    t.is(JSON.stringify(buildRequestJson(plugin, parts)), buildRequest(plugin, parts), `variant ${i}`);
  }
  // Hand-checked: keys sorted at every level, integer-like keys first, capabilities gone, the injected name wins.
  t.is(
    JSON.stringify(buildRequestJson(plugin, { name: 'n', cniVersion: '1.0.0', stripCapabilities: true, inject: { name: 'other' } })),
    '{"cniVersion":"1.0.0","name":"other","type":"portmap","zeta":{"2":"two","10":"ten","a":[3,{"x":0,"y":null}],"b":1}}',
  );
});
