import test from 'ava';
import { isCidrText } from '../../../src/cni/spec/ip-text.js';

test('CIDR text as a CNI result carries it: host bits allowed, prefix in range, IPv4 or IPv6', (t) => {
  for (const s of ['10.1.0.2/24', '10.1.0.2/32', '0.0.0.0/0', '10.1.0.2/05', '10.1.0.2/032', 'fd00::2/64', '::ffff:10.0.0.1/128']) t.true(isCidrText(s), s);
  for (const s of ['10.1.0.2', '10.1.0.2/33', '10.1.0.2/', '10.1.0.2/2a', '010.1.0.2/24', '10.1.0.256/24', '10.1.0.2/24/1', 'fd00::2/129', 'fe80::1%eth0/64', ' 10.1.0.2/24']) t.false(isCidrText(s), s);
});
