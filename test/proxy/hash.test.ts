import test from 'ava';
import { endpointHash, portProtoHash } from '../../src/proxy/index.js';

// Every value from the reference table (recomputed there with Python and matching kube-proxy's fixtures).
const chainHashes: [string, string, string][] = [
  ['ns1/svc1:p80', 'tcp', 'XPGD46QRK7WJZT7O'],
  ['ns2/svc2:p80', 'tcp', 'GNZBNJ2PO5MGZ6GT'],
  ['ns3/svc3:p80', 'tcp', 'X27LE4BHSL4DOUIK'],
  ['ns4/svc4:p80', 'tcp', '4SW47YFZTEDKD3PK'],
  ['ns5/svc5:p80', 'tcp', 'NUKIZ6OKUXPJNT4C'],
  ['default/kubernetes:https', 'tcp', 'NPX46M4PTMTKRN6Y'],
  ['ns2/svc2:p8080', 'tcp', '2VJB64SDSIJUP5T6'],
];
const sepHashes: [string, string, string, string][] = [
  ['ns1/svc1:p80', 'tcp', '10.180.0.1:80', 'SXIVWICOYRO3J4NJ'],
  ['ns4/svc4:p80', 'tcp', '10.180.0.4:80', 'UKSFD7AGPMPPLUHC'],
  ['ns4/svc4:p80', 'tcp', '10.180.0.5:80', 'C6EBXVWJJZMIWKLZ'],
  ['ns5/svc5:p80', 'tcp', '10.180.0.3:80', 'I77PXRDZVX7PMWMN'],
  ['ns2/svc2:p80', 'tcp', '10.180.0.2:80', 'RS4RBKLTHTF2IUXJ'],
  ['ns1/svc1:p80', 'tcp', '10.0.1.1:80', 'SNQ3ZNILQDEJNDQO'],
];

for (const [spn, proto, want] of chainHashes) {
  test(`portProtoHash(${spn}, ${proto}) = ${want}`, (t) => {
    t.is(portProtoHash(spn, proto), want);
  });
}
for (const [spn, proto, ep, want] of sepHashes) {
  test(`SEP hash of ${spn}${proto}${ep} = ${want}`, (t) => {
    t.is(endpointHash(spn, proto, ep), want);
  });
}

test('the protocol is part of the hash (TCP and UDP ports of one name get different chains)', (t) => {
  t.not(portProtoHash('ns/dns:53', 'tcp'), portProtoHash('ns/dns:53', 'udp'));
  t.regex(portProtoHash('ns/dns:53', 'sctp'), /^[A-Z2-7]{16}$/);
});
