import test from 'ava';
import { CniError } from '../../../src/cni/errors.js';
import { checkResult, encodeResult, parseResult, resultJson } from '../../../src/cni/spec/result.js';
import { SPEC_VERSIONS } from '../../../src/cni/spec/versions.js';

/** One conformant result per version, hand-written from each spec's result section. */
const GOOD: Record<string, unknown> = {
  '0.1.0': { cniVersion: '0.1.0', ip4: { ip: '10.1.0.5/16', gateway: '10.1.0.1', routes: [{ dst: '0.0.0.0/0' }] }, dns: { nameservers: ['10.1.0.1'] } },
  '0.2.0': { cniVersion: '0.2.0', ip6: { ip: 'fd00::5/64', routes: [{ dst: '::/0', gw: 'fd00::1' }] } },
  '0.3.0': { cniVersion: '0.3.0', interfaces: [{ name: 'eth0', sandbox: '/run/netns/a' }], ips: [{ version: '4', interface: 0, address: '10.1.0.5/16' }] },
  '0.3.1': { cniVersion: '0.3.1', ips: [{ version: '6', address: 'fd00::5/64', gateway: 'fd00::1' }], routes: [{ dst: '::/0' }] },
  '0.4.0': { cniVersion: '0.4.0', interfaces: [{ name: 'cni0', mac: '0a:58:0a:01:00:01' }], ips: [{ version: '4', address: '10.1.0.5/16' }], dns: {} },
  '1.0.0': { cniVersion: '1.0.0', interfaces: [{ name: 'eth0', mac: '0a:58:0a:01:00:05', sandbox: '/run/netns/a' }], ips: [{ interface: 0, address: '10.1.0.5/16', gateway: '10.1.0.1' }], routes: [{ dst: '0.0.0.0/0' }] },
  '1.1.0': { cniVersion: '1.1.0', interfaces: [{ name: 'eth0', mtu: 1450, socketPath: '/run/vhost.sock', pciID: '0000:04:00.5' }], ips: [{ interface: 0, address: '10.1.0.5/16' }], routes: [{ dst: '0.0.0.0/0', gw: '10.1.0.1', mtu: 1400, advmss: 1360, priority: 10, table: 100, scope: 0 }] },
};

test('a hand-written result of every version parses and passes the strict check', (t) => {
  for (const v of SPEC_VERSIONS) {
    t.deepEqual(parseResult(GOOD[v], v), GOOD[v], v);
    t.deepEqual(checkResult(GOOD[v]), [], v);
  }
});

test('strict check reports each violation with its JSON path', (t) => {
  t.deepEqual(checkResult({ cniVersion: '0.4.0', ips: [{ address: '10.1.0.5' }], routes: [{ gw: '10.1.0.1' }] }), [
    { path: '$.ips[0].address', message: 'must be an IP address in CIDR notation (e.g. "10.1.0.2/24")' },
    { path: '$.ips[0].version', message: 'is required' },
    { path: '$.routes[0].dst', message: 'is required' },
  ]);
  // ips[].version was dropped in 1.0.0; interface mtu only exists from 1.1.0.
  t.deepEqual(checkResult({ cniVersion: '1.0.0', interfaces: [{ name: 'eth0', mtu: 1400 }], ips: [{ version: '4', address: '10.1.0.5/16' }] }), [
    { path: '$.interfaces[0].mtu', message: 'is not a field this CNI document defines' },
    { path: '$.ips[0].version', message: 'is not a field this CNI document defines' },
  ]);
  t.deepEqual(checkResult({ cniVersion: '0.2.0', ip4: { gateway: 'x' } }), [
    { path: '$.ip4.gateway', message: 'must be an IPv4 or IPv6 address' },
    { path: '$.ip4.ip', message: 'is required' },
  ]);
  t.deepEqual(checkResult({ cniVersion: '2.0.0' }), [{ path: '$.cniVersion', message: 'must be a known CNI version, got "2.0.0"' }]);
});

test('strict check catches what a schema cannot: interface index, family of version and gateway', (t) => {
  t.deepEqual(checkResult({ cniVersion: '0.3.1', interfaces: [{ name: 'eth0' }], ips: [{ version: '6', interface: 1, address: '10.1.0.5/16', gateway: 'fd00::1' }], routes: [{ dst: '0.0.0.0/0', gw: 'fd00::1' }] }), [
    { path: '$.ips[0].interface', message: 'index 1 is outside interfaces (length 1)' },
    { path: '$.ips[0].version', message: 'is "6" but address 10.1.0.5/16 is IPv4' },
    { path: '$.ips[0].gateway', message: 'fd00::1 is not in the same family as 10.1.0.5/16' },
    { path: '$.routes[0].gw', message: 'fd00::1 is not in the same family as 0.0.0.0/0' },
  ]);
});

test('parseResult is Go-tolerant: unknown keys are dropped, but the result type must accept the version', (t) => {
  t.deepEqual(parseResult({ cniVersion: '1.0.0', ips: [{ address: '10.0.0.2/8', version: '4', extra: 1 }], foo: 'bar' }, '1.0.0'), { cniVersion: '1.0.0', ips: [{ address: '10.0.0.2/8' }] });
  const e = t.throws(() => parseResult({ cniVersion: '0.4.0' }, '1.0.0'), { instanceOf: CniError });
  t.is(e?.msg, 'result type supports [1.0.0 1.1.0] but unmarshalled CNIVersion is "0.4.0"');
  const e020 = t.throws(() => parseResult({ cniVersion: '0.3.0' }, '0.2.0'), { instanceOf: CniError });
  t.is(e020?.msg, 'result type supports [ 0.1.0 0.2.0] but unmarshalled CNIVersion is "0.3.0"');
  t.is(t.throws(() => parseResult({}, '7.0.0'), { instanceOf: CniError })?.msg, 'unsupported CNI result version "7.0.0"');
  const bad = t.throws(() => parseResult({ cniVersion: '1.0.0', ips: [{ address: '10.0.0.300/8' }] }, '1.0.0'), { instanceOf: CniError });
  t.is(bad?.cniCode, 6);
  t.regex(bad?.message ?? '', /\$\.ips\[0\]\.address must be an IP address in CIDR notation/);
});

test('encodeResult: Go omitempty and field order; dns {} emitted by default (1.1.x lib) or omitted (HEAD)', (t) => {
  const r = { cniVersion: '1.0.0', interfaces: [{ name: 'lo', mac: '00:00:00:00:00:00', mtu: 0, sandbox: '' }], ips: [{ address: '127.0.0.1/8', interface: 0 }], routes: [] } as const;
  t.is(encodeResult(r, { indent: 0 }), '{"cniVersion":"1.0.0","interfaces":[{"name":"lo","mac":"00:00:00:00:00:00"}],"ips":[{"interface":0,"address":"127.0.0.1/8"}],"dns":{}}');
  t.is(encodeResult(r, { indent: 0, emptyDns: 'omit' }), '{"cniVersion":"1.0.0","interfaces":[{"name":"lo","mac":"00:00:00:00:00:00"}],"ips":[{"interface":0,"address":"127.0.0.1/8"}]}');
});

test('a result as a plugin printed it (resultJson) is still validated when parsed, and parsing a parsed result again gives the same', (t) => {
  const bad = resultJson({ cniVersion: '1.0.0', ips: [{ address: '10.0.0.300/8' }] });
  t.is(t.throws(() => parseResult(bad, '1.0.0'), { instanceOf: CniError })?.cniCode, 6);
  const good = GOOD['1.0.0'] as Record<string, unknown>;
  const once = parseResult(resultJson(parseResult(good, '1.0.0')), '1.0.0');
  t.deepEqual(once, { ...good, dns: {} });
  t.deepEqual(parseResult(once, '1.0.0'), once);
  // The version gate still applies to a parsed result.
  t.is(t.throws(() => parseResult(once, '0.4.0'), { instanceOf: CniError })?.msg, 'result type supports [0.3.0 0.3.1 0.4.0] but unmarshalled CNIVersion is "1.0.0"');
});
