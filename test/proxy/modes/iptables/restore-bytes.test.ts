import test from 'ava';
import type { Service } from 'kubernetes-types/core/v1.js';
import { IptablesProxier, RestoreBytes } from '../../../../src/proxy/index.js';
import { fakeProxierConfig, makeTestEndpointSlice, makeTestService, tcpPort } from '../../helpers.js';

const svc = (n: number): Service =>
  makeTestService('ns', `svc${n}`, (s) => {
    s.spec.clusterIP = `172.30.0.${n}`;
    s.spec.ports = [{ name: 'p80', port: 80, protocol: 'TCP' }];
  });
const slice = (n: number) => makeTestEndpointSlice('ns', `svc${n}`, 1, [{ addresses: [`10.180.0.${n}`], nodeName: 'node-1', conditions: { ready: true } }], [tcpPort('p80', 80)]);

test('a sync reports its restore text as pieces whose bytes, written into the reused buffer, are that text (full and partial)', (t) => {
  const p = new IptablesProxier(fakeProxierConfig());
  const bytes = new RestoreBytes();
  for (let n = 1; n <= 3; n++) {
    p.onServiceAdd(svc(n));
    p.onEndpointSliceAdd(slice(n));
  }
  const full = p.sync();
  t.is(full.kind, 'full');
  t.is(full.restorePieces.join(''), full.restore);
  t.is(bytes.write(full.restorePieces).toString('utf8'), full.restore);

  p.onServiceAdd(svc(4));
  p.onEndpointSliceAdd(slice(4));
  const partial = p.sync();
  t.is(partial.kind, 'partial');
  t.true(partial.restore.includes('-A KUBE-SERVICES -m comment --comment "ns/svc4:p80 cluster IP"'));
  // The second write reuses the buffer the first one grew; the view holds only this sync's bytes.
  t.is(bytes.write(partial.restorePieces).toString('utf8'), partial.restore);
  t.is(p.sync().restorePieces.length, 0, 'a no-op sync has nothing to write');
});

test('RestoreBytes grows past its first buffer and writes characters outside ASCII as UTF-8', (t) => {
  const bytes = new RestoreBytes();
  const big = 'x'.repeat(100_000);
  const pieces = ['*nat\n', big, '-A C -m comment --comment "caf\u00e9 \u2192 \u{1F600}"\n', big, 'COMMIT\n'];
  const out = bytes.write(pieces);
  t.is(out.length, Buffer.byteLength(pieces.join(''), 'utf8'));
  t.is(out.toString('utf8'), pieces.join(''));
  t.is(bytes.write(['a', 'b']).toString('utf8'), 'ab');
});
