// kubewire probe responder: runs inside one pod's network namespace (started with `ip netns exec`), answers every
// TCP connection and UDP datagram on the given ports with "<pod> <source-ip>:<source-port>\n", the source being what
// the pod's socket saw. Plain JavaScript so it starts in milliseconds (no TypeScript loader).
// Usage: node responder.mjs <pod-name> <proto:port>...   Prints "ready" once every socket is bound.
import net from 'node:net';
import dgram from 'node:dgram';

const [name, ...specs] = process.argv.slice(2);
if (name === undefined || specs.length === 0) {
  process.stderr.write('usage: responder.mjs <pod-name> tcp:<port>|udp:<port>...\n');
  process.exit(2);
}

const answer = (ip, port) => `${name} ${ip.replace(/^::ffff:/, '')}:${port}\n`;
const pending = [];
for (const spec of specs) {
  const [proto, portText] = spec.split(':');
  const port = Number(portText);
  if (proto === 'tcp') {
    const server = net.createServer((sock) => {
      sock.on('error', () => undefined);
      sock.end(answer(sock.remoteAddress ?? '?', sock.remotePort ?? 0));
    });
    pending.push(new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port, host: '0.0.0.0', backlog: 511 }, resolve);
    }));
  } else if (proto === 'udp') {
    const sock = dgram.createSocket('udp4');
    sock.on('message', (_msg, rinfo) => sock.send(answer(rinfo.address, rinfo.port), rinfo.port, rinfo.address));
    pending.push(new Promise((resolve, reject) => {
      sock.once('error', reject);
      sock.bind(port, '0.0.0.0', resolve);
    }));
  } else {
    process.stderr.write(`bad spec ${spec}\n`);
    process.exit(2);
  }
}

try {
  await Promise.all(pending);
  process.stdout.write('ready\n');
} catch (e) {
  process.stderr.write(`responder ${name}: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
}
// The parent closes our stdout after "ready"; never write to it again.
process.stdout.on('error', () => undefined);
process.on('SIGTERM', () => process.exit(0));
