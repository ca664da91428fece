import test from 'ava';
import { readFileSync } from 'node:fs';
import { CniError } from '../../../src/cni/errors.js';
import { convertResult, hasConverter } from '../../../src/cni/spec/convert.js';
import { parseResult } from '../../../src/cni/spec/result.js';
import type { CniResult } from '../../../src/cni/spec/result-types.js';
import { SPEC_VERSIONS } from '../../../src/cni/spec/versions.js';

function fixture(name: string): CniResult {
  const json = JSON.parse(readFileSync(new URL(`../../fixtures/cni/results/${name}`, import.meta.url), 'utf8')) as { cniVersion: string };
  return parseResult(json, json.cniVersion);
}

test('1.0.0 → 0.4.0 adds ips[].version from the address family and keeps everything else', (t) => {
  const r = convertResult(fixture('bridge-1.0.0.json'), '0.4.0');
  t.deepEqual(r, {
    cniVersion: '0.4.0',
    interfaces: [
      { name: 'cnires-br0', mac: '22:14:aa:00:00:01' },
      { name: 'veth0140c229', mac: '6e:de:aa:00:00:02' },
      { name: 'eth0', mac: '76:15:aa:00:00:03', sandbox: '/run/netns/cnires-a' },
    ],
    ips: [{ version: '4', interface: 2, address: '10.99.0.2/24', gateway: '10.99.0.1' }],
    routes: [{ dst: '0.0.0.0/0' }],
    dns: { nameservers: ['10.99.0.1'], search: ['cluster.local'] },
  });
});

test('1.0.0 → 0.2.0 gives the ip4 block bridge prints at 0.2.0 (cni.md §4)', (t) => {
  const r = convertResult(fixture('bridge-1.0.0.json'), '0.2.0');
  t.deepEqual(r, {
    cniVersion: '0.2.0',
    ip4: { ip: '10.99.0.2/24', gateway: '10.99.0.1', routes: [{ dst: '0.0.0.0/0' }] },
    dns: { nameservers: ['10.99.0.1'], search: ['cluster.local'] },
  });
});

test('loopback result down to 0.2.0 keeps one address per family', (t) => {
  const r = convertResult(fixture('loopback-1.0.0.json'), '0.1.0');
  t.deepEqual(r, { cniVersion: '0.1.0', ip4: { ip: '127.0.0.1/8' }, ip6: { ip: '::1/128' }, dns: {} });
});

test('a result without IPs cannot go to 0.2.0: Go\'s "cannot convert: no valid IP addresses" (cni#578)', (t) => {
  const l2: CniResult = { cniVersion: '1.0.0', interfaces: [{ name: 'eth0', sandbox: '/run/netns/x' }] };
  for (const to of ['0.1.0', '0.2.0']) {
    const e = t.throws(() => convertResult(l2, to), { instanceOf: CniError });
    t.is(e?.msg, 'cannot convert: no valid IP addresses');
    t.is(e?.cniCode, 999);
  }
  // The same result is fine for every 0.3+ version.
  t.is(convertResult(l2, '0.3.1').cniVersion, '0.3.1');
});

test('0.2.0 dual stack → 1.0.0 lists v4 then v6 and moves per-family routes to the top level; back again is identical', (t) => {
  const orig = fixture('host-local-dual-0.2.0.json');
  const up = convertResult(orig, '1.0.0');
  t.deepEqual(up, {
    cniVersion: '1.0.0',
    ips: [
      { address: '10.93.0.4/24', gateway: '10.93.0.1' },
      { address: 'fd00:93::4/64', gateway: 'fd00:93::1' },
    ],
    routes: [{ dst: '0.0.0.0/0' }, { dst: '::/0' }],
    dns: {},
  });
  t.deepEqual(convertResult(up, '0.2.0'), orig);
  t.deepEqual(convertResult(orig, '0.3.0'), {
    cniVersion: '0.3.0',
    ips: [
      { version: '4', address: '10.93.0.4/24', gateway: '10.93.0.1' },
      { version: '6', address: 'fd00:93::4/64', gateway: 'fd00:93::1' },
    ],
    routes: [{ dst: '0.0.0.0/0' }, { dst: '::/0' }],
    dns: {},
  });
});

test('0.4.0 with two IPv4 addresses → 0.2.0 keeps only the first; v4 routes without a v6 address drop v6 routes', (t) => {
  const r: CniResult = {
    cniVersion: '0.4.0',
    ips: [
      { version: '4', address: '10.0.0.2/24' },
      { version: '4', address: '10.0.1.2/24' },
    ],
    routes: [{ dst: '10.9.0.0/16', gw: '10.0.0.1' }, { dst: 'fd00::/8' }],
  };
  t.deepEqual(convertResult(r, '0.2.0'), { cniVersion: '0.2.0', ip4: { ip: '10.0.0.2/24', routes: [{ dst: '10.9.0.0/16', gw: '10.0.0.1' }] } });
});

test('1.1.0 fields: interface mtu/socketPath/pciID vanish below 1.0, route mtu survives to 0.4.0 but not 0.2.0', (t) => {
  const r: CniResult = {
    cniVersion: '1.1.0',
    interfaces: [{ name: 'eth0', mtu: 1400, socketPath: '/run/x.sock', pciID: '0000:04:00.5', sandbox: '/run/netns/a' }],
    ips: [{ interface: 0, address: '10.0.0.2/24' }],
    routes: [{ dst: '0.0.0.0/0', gw: '10.0.0.1', mtu: 1400, table: 100 }],
  };
  t.deepEqual(convertResult(r, '1.0.0'), { ...r, cniVersion: '1.0.0' });
  t.deepEqual(convertResult(r, '0.4.0'), {
    cniVersion: '0.4.0',
    interfaces: [{ name: 'eth0', sandbox: '/run/netns/a' }],
    ips: [{ version: '4', interface: 0, address: '10.0.0.2/24' }],
    routes: [{ dst: '0.0.0.0/0', gw: '10.0.0.1', mtu: 1400, table: 100 }],
  });
  t.deepEqual(convertResult(r, '0.2.0'), { cniVersion: '0.2.0', ip4: { ip: '10.0.0.2/24', routes: [{ dst: '0.0.0.0/0', gw: '10.0.0.1' }] } });
});

test('round trips 1.0.0 → x → 1.0.0 are lossless for every 0.3+ version', (t) => {
  const orig = fixture('bridge-1.0.0.json');
  for (const v of ['0.3.0', '0.3.1', '0.4.0', '1.1.0']) t.deepEqual(convertResult(convertResult(orig, v), '1.0.0'), orig, v);
});

test('the converter table covers every pair of known versions, and nothing else', (t) => {
  for (const a of SPEC_VERSIONS) for (const b of SPEC_VERSIONS) t.true(hasConverter(a, b), `${a}→${b}`);
  t.false(hasConverter('1.0.0', '9.9.9'));
  const e = t.throws(() => convertResult(fixture('bridge-1.0.0.json'), '9.9.9'), { instanceOf: CniError });
  t.is(e?.msg, 'no converter for CNI result version 1.0.0 to 9.9.9');
});

test('conversion does not mutate its input', (t) => {
  const orig = fixture('host-local-dual-0.2.0.json');
  const copy = structuredClone(orig);
  convertResult(convertResult(orig, '1.1.0'), '0.1.0');
  t.deepEqual(orig, copy);
});
