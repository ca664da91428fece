// Capture agent: `ip netns exec <ns> node agent.mjs <iface> <file> [filter]`.
// A libpcap session (an AF_PACKET socket) belongs to the network namespace of the process that opens it, so capturing
// inside a namespace takes a process started in it. Prints "ready <LINKTYPE_…>" once the session is open (packets
// from then on are in the file), and on SIGTERM/SIGINT drains what the kernel already queued, closes the file and
// prints "stopped <packets>". Exit 3: node-pcap missing; exit 2: bad arguments or the session could not open.
import { PcapFileWriter, linkTypeNumber } from './pcap-writer.mjs';

export const NOT_INSTALLED = 'node-pcap is not installed: run scripts/setup.sh --system (libpcap-dev) and npm install';
const SNAPLEN = 65535;

const [iface, file, filter = ''] = process.argv.slice(2);
if (iface === undefined || file === undefined) {
  process.stderr.write('usage: node agent.mjs <iface> <file.pcap> [bpf filter]\n');
  process.exit(2);
}

let pcap;
try {
  // Loaded lazily: pcap is an optional dependency with a native addon that needs libpcap-dev to build.
  const m = await import('pcap');
  pcap = m.default ?? m;
} catch (e) {
  process.stderr.write(`${NOT_INSTALLED} (${e instanceof Error ? e.message.split('\n')[0] : String(e)})\n`);
  process.exit(3);
}

// node-pcap reports pcap_lookupnet failures (an interface without an IPv4 address) on the console; they only affect the
// netmask of BPF "broadcast" tests, so they are not worth a line in every capture.
pcap.warningHandler = () => undefined;

let session;
try {
  // buffer_timeout 0 selects libpcap's immediate mode: each packet is handed over as it arrives instead of waiting for
  // a TPACKET_V3 block to fill or time out, so a stop right after the traffic still finds every packet.
  session = pcap.createSession(iface, { filter, buffer_timeout: 0, snap_length: SNAPLEN, promiscuous: false });
} catch (e) {
  process.stderr.write(`cannot capture on ${iface}: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(2);
}

const writer = new PcapFileWriter(file, linkTypeNumber(session.link_type), SNAPLEN);
session.on('packet', (p) => {
  // node-pcap fills one reused buffer and a 16-byte header in host order: ts_sec, ts_usec, caplen, len.
  const h = p.header;
  const caplen = h.readUInt32LE(8);
  writer.write(h.readUInt32LE(0), h.readUInt32LE(4), p.buf.subarray(0, caplen), h.readUInt32LE(12));
});

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  // Drain: dispatch until the ring holds nothing more, then close (close removes the 'packet' listener).
  try {
    for (let i = 0; i < 10_000 && session.session.dispatch(session.buf, session.header) > 0; i++);
  } catch {
    // A closed or failed handle has nothing more to give.
  }
  session.close();
  writer.close();
  process.stdout.write(`stopped ${writer.packets}\n`, () => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdout.write(`ready ${session.link_type}\n`);
