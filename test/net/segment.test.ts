import test from 'ava';
import type { Mac } from '../../src/addr/index.js';
import { parseIp4 } from '../../src/addr/index.js';
import { L2Segment } from '../../src/net/index.js';

const MAC_A = '02:00:00:00:00:0a' as Mac;
const ip = (s: string): ReturnType<typeof parseIp4> => parseIp4(s);

test('a frame to an ARP answer reaches the answer while it holds its MAC, else whoever does', (t) => {
  const seg = new L2Segment('nodes');
  seg.attach({ netns: 'n1', dev: 'eth0', mac: MAC_A }, [ip('192.168.0.1')]);
  const first = seg.arp(ip('192.168.0.1'));
  if (first === undefined) return t.fail('no answer');
  t.is(seg.frameTarget(first), seg.portByMac(MAC_A));
  // Another host takes the MAC over: the old answer still answers ARP, the frame goes to the new holder.
  seg.attach({ netns: 'n2', dev: 'eth0', mac: MAC_A }, [ip('192.168.0.2')]);
  t.is(seg.arp(ip('192.168.0.1')), first);
  t.is(seg.frameTarget(first)?.netns, 'n2');
  t.is(seg.frameTarget(first), seg.portByMac(MAC_A));
  seg.detach(MAC_A);
  t.is(seg.frameTarget(first), undefined);
});

test("an announced address's frames go to whichever member holds the announced MAC", (t) => {
  const seg = new L2Segment('nodes');
  seg.announce(ip('192.168.0.9'), { netns: 'n1', dev: 'eth0', mac: MAC_A });
  const ann = seg.arp(ip('192.168.0.9'));
  if (ann === undefined) return t.fail('no answer');
  t.is(seg.frameTarget(ann), undefined, 'nobody attached holds the MAC yet');
  seg.attach({ netns: 'n1', dev: 'eth0', mac: MAC_A }, [ip('192.168.0.1')]);
  t.is(seg.frameTarget(ann), seg.portByMac(MAC_A));
  t.deepEqual({ netns: ann.netns, dev: ann.dev, mac: ann.mac }, { netns: 'n1', dev: 'eth0', mac: MAC_A });
});
