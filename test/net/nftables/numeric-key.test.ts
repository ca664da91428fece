import test from 'ava';
import { parseIp4 } from '../../../src/addr/index.js';
import { makePacket } from '../../../src/packet/index.js';
import { elementKey, packetKey } from '../../../src/net/nftables/numeric-key.js';

const KEY3 = ['ip daddr', 'meta l4proto', 'th dport'] as const;

test('a packet and the element printed as its fields get the same number; other elements differ', (t) => {
  const p = makePacket({ src: parseIp4('10.0.0.2'), dst: parseIp4('172.30.0.41'), proto: 'tcp', sport: 40000, dport: 80 });
  t.is<number | undefined, number | undefined>(packetKey(KEY3, p), elementKey(KEY3, ['172.30.0.41', 'tcp', '80']));
  t.not<number | undefined, number | undefined>(packetKey(KEY3, p), elementKey(KEY3, ['172.30.0.41', 'udp', '80']));
  t.not<number | undefined, number | undefined>(packetKey(KEY3, p), elementKey(KEY3, ['172.30.0.41', 'tcp', '81']));
  t.not<number | undefined, number | undefined>(packetKey(KEY3, p), elementKey(KEY3, ['172.30.0.40', 'tcp', '80']));
});

test('no key where the text key has an empty part: th dport of icmp, tcp dport of udp', (t) => {
  const icmp = makePacket({ src: parseIp4('10.0.0.2'), dst: parseIp4('172.30.0.41'), proto: 'icmp', sport: 1, dport: 0 });
  t.is(packetKey(KEY3, icmp), -1);
  const udp = makePacket({ src: parseIp4('10.0.0.2'), dst: parseIp4('172.30.0.41'), proto: 'udp', sport: 1, dport: 53 });
  t.is(packetKey(['ip daddr', 'tcp dport'], udp), -1);
  t.not(packetKey(['ip daddr', 'udp dport'], udp), -1);
});

test('elements that never print as a packet field have no number (they never matched as text either)', (t) => {
  t.is(elementKey(KEY3, ['172.30.0.041', 'tcp', '80']), undefined);
  t.is(elementKey(KEY3, ['172.30.0.41', 'tcp', '080']), undefined);
  t.is(elementKey(KEY3, ['10.0.0.0/8', 'tcp', '80']), undefined);
  t.is(elementKey(KEY3, ['172.30.0.41', 'tcp']), undefined);
  t.is(elementKey(KEY3, ['172.30.0.41', 'tcp', '65536']), undefined);
});
