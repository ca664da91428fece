import test from 'ava';
import { macFromName, parseMac } from '../../src/addr/index.js';

test('a MAC derived from a name is stable, lowercase colon text, locally administered and unicast', (t) => {
  const names = ['pod/default/web-0/eth0/a', 'node/node-a/cni0', '', 'x'.repeat(300), 'ümlaut/eth0'];
  for (const n of names) {
    const mac = macFromName(n);
    t.is(parseMac(mac), mac, n);
    t.is(macFromName(n), mac, 'the same name gives the same MAC');
    const first = Number.parseInt(mac.slice(0, 2), 16);
    t.is(first & 0x03, 0x02, `${mac}: locally administered (bit 1) and unicast (bit 0 clear)`);
  }
  t.not(macFromName('pod/a/eth0'), macFromName('pod/b/eth0'));
});

test('the MACs kubewire has always printed for these names stay the same', (t) => {
  // Values the first implementation printed; a change here changes every printed table and trace.
  const expected: Record<string, string> = {
    'node/node-a/cni0': 'ca:45:c3:f9:25:e9',
    'pod/demo/web-0/eth0/a': 'ba:55:67:f6:d9:c3',
    'pod/demo/web-0/eth0/b': 'ba:55:66:63:d9:c3',
  };
  for (const [n, mac] of Object.entries(expected)) t.is<string, string>(macFromName(n), mac, n);
});
