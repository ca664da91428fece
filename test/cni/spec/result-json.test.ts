import test from 'ava';
import { frozenResultCopy, resultJson, sortedResultJson } from '../../../src/cni/spec/result-json.js';
import { parseResult } from '../../../src/cni/spec/result.js';
import { sortedClone } from '../../../src/cni/spec/sorted-json.js';
import type { CniResult } from '../../../src/cni/spec/result-types.js';

/** Results of every family with the omitempty edge cases: "", 0, empty arrays, interface 0, empty and partial dns. */
const RESULTS: CniResult[] = [
  { cniVersion: '0.1.0', ip4: { ip: '10.1.0.5/16', gateway: '10.1.0.1', routes: [] }, dns: { nameservers: ['10.1.0.1'], domain: '' } },
  { cniVersion: '0.2.0', ip6: { ip: 'fd00::5/64', routes: [{ dst: '::/0', gw: 'fd00::1' }] } },
  { cniVersion: '0.4.0', interfaces: [{ name: 'cni0', mac: '' }], ips: [{ version: '4', interface: 0, address: '10.1.0.5/16' }], routes: [], dns: {} },
  { cniVersion: '1.0.0', interfaces: [{ name: 'eth0', mac: '0a:58:0a:01:00:05', mtu: 0, sandbox: '/run/netns/a' }], ips: [{ interface: 0, address: '10.1.0.5/16', gateway: '10.1.0.1' }], routes: [{ dst: '0.0.0.0/0' }] },
  { cniVersion: '1.1.0', interfaces: [{ name: 'eth0', mtu: 1450, socketPath: '/run/vhost.sock', pciID: '0000:04:00.5' }], routes: [{ dst: '0.0.0.0/0', gw: '10.1.0.1', mtu: 1400, advmss: 0, priority: 10, table: 0, scope: 0 }], dns: { search: ['a', 'b'], options: ['ndots:5'] } },
];

test('sortedResultJson is resultJson with keys sorted at every level, written in one walk', (t) => {
  for (const r of RESULTS) {
    for (const emptyDns of ['emit', 'omit'] as const) {
      t.is(JSON.stringify(sortedResultJson(r, { emptyDns })), JSON.stringify(sortedClone(resultJson(r, { emptyDns }))), `${r.cniVersion} ${emptyDns}`);
    }
  }
});

test('resultJson and sortedResultJson, hand-checked: Go order or sorted keys, omitempty, pointer fields kept at 0', (t) => {
  const r = RESULTS[4] as CniResult;
  t.is(
    JSON.stringify(resultJson(r)),
    '{"cniVersion":"1.1.0","interfaces":[{"name":"eth0","mtu":1450,"socketPath":"/run/vhost.sock","pciID":"0000:04:00.5"}],'
      + '"routes":[{"dst":"0.0.0.0/0","gw":"10.1.0.1","mtu":1400,"priority":10,"table":0,"scope":0}],"dns":{"search":["a","b"],"options":["ndots:5"]}}',
  );
  t.is(
    JSON.stringify(sortedResultJson(r)),
    '{"cniVersion":"1.1.0","dns":{"options":["ndots:5"],"search":["a","b"]},"interfaces":[{"mtu":1450,"name":"eth0","pciID":"0000:04:00.5","socketPath":"/run/vhost.sock"}],'
      + '"routes":[{"dst":"0.0.0.0/0","gw":"10.1.0.1","mtu":1400,"priority":10,"scope":0,"table":0}]}',
  );
  t.is(JSON.stringify(sortedResultJson(RESULTS[0] as CniResult)), '{"cniVersion":"0.1.0","dns":{"nameservers":["10.1.0.1"]},"ip4":{"gateway":"10.1.0.1","ip":"10.1.0.5/16"}}');
});

test('the JSON values are fresh: changing one does not change the result it came from', (t) => {
  const r = RESULTS[4] as CniResult;
  const before = JSON.stringify(r);
  const a = resultJson(r);
  const b = sortedResultJson(r);
  ((a['dns'] as Record<string, unknown>)['search'] as string[]).push('c');
  ((b['interfaces'] as Record<string, unknown>[])[0] as Record<string, unknown>)['name'] = 'x';
  t.is(JSON.stringify(r), before);
});

test('frozenResultCopy of a parsed result equals its JSON round trip, in the same key order, and is deep-frozen', (t) => {
  for (const r of RESULTS) {
    const parsed = parseResult(r, r.cniVersion);
    const copy = frozenResultCopy(parsed);
    t.is(JSON.stringify(copy), JSON.stringify(parsed), r.cniVersion);
    t.deepEqual(copy, JSON.parse(JSON.stringify(parsed)) as unknown, r.cniVersion);
    const frozen = (v: unknown): boolean => typeof v !== 'object' || v === null || (Object.isFrozen(v) && Object.values(v).every(frozen));
    t.true(frozen(copy), r.cniVersion);
  }
});
