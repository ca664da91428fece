// kubewire probe client: runs inside one namespace (pod, node or external host), reads JSON requests a line at a
// time on stdin and answers each on stdout, in order:
//   {"id":1,"proto":"tcp","src":"10.244.1.3","sport":20001,"dst":"10.96.0.10","dport":80,"timeoutMs":900}
//   -> {"id":1,"ok":true,"answer":"demo/web-abc 10.244.1.3:20001"}  or  {"id":1,"ok":false,"error":"ECONNREFUSED"}
// TCP: timeoutMs bounds the handshake (keep it under the 1 s initial SYN retransmission, so a dropped probe sends
// exactly one SYN); the answer may then take up to answerMs (default 5000).
// UDP requests carry the payload "KWQ1 <id>": the verifier's TRACE rules match on its first four bytes.
import net from 'node:net';
import dgram from 'node:dgram';
import readline from 'node:readline';

function tcp(r) {
  return new Promise((resolve) => {
    let data = '';
    let done = false;
    const finish = (v) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(v);
    };
    const sock = net.connect({ host: r.dst, port: r.dport, localAddress: r.src, localPort: r.sport });
    let timer = setTimeout(() => finish({ ok: false, error: 'timeout' }), r.timeoutMs);
    sock.on('connect', () => {
      clearTimeout(timer);
      timer = setTimeout(() => finish({ ok: false, error: 'no answer' }), r.answerMs ?? 5000);
    });
    sock.setEncoding('utf8');
    sock.on('data', (c) => { data += c; });
    sock.on('end', () => finish(data === '' ? { ok: false, error: 'closed' } : { ok: true, answer: data.trim() }));
    sock.on('error', (e) => finish({ ok: false, error: e.code ?? e.message }));
  });
}

function udp(r) {
  return new Promise((resolve) => {
    let done = false;
    const sock = dgram.createSocket('udp4');
    const finish = (v) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      try { sock.close(); } catch { /* closed */ }
      resolve(v);
    };
    const timer = setTimeout(() => finish({ ok: false, error: 'timeout' }), r.timeoutMs);
    sock.on('message', (m) => finish({ ok: true, answer: m.toString('utf8').trim() }));
    sock.on('error', (e) => finish({ ok: false, error: e.code ?? e.message }));
    sock.bind(r.sport, r.src, () => {
      // A connected socket hears ICMP port-unreachable as ECONNREFUSED.
      sock.connect(r.dport, r.dst, (e) => {
        if (e) return finish({ ok: false, error: e.code ?? e.message });
        sock.send(`KWQ1 ${r.id}`, (e2) => { if (e2) finish({ ok: false, error: e2.code ?? e2.message }); });
      });
    });
  });
}

const rl = readline.createInterface({ input: process.stdin });
let chain = Promise.resolve();
rl.on('line', (line) => {
  if (line.trim() === '') return;
  chain = chain.then(async () => {
    let r;
    try {
      r = JSON.parse(line);
    } catch {
      process.stdout.write(JSON.stringify({ id: null, ok: false, error: 'bad request' }) + '\n');
      return;
    }
    const v = r.proto === 'udp' ? await udp(r) : await tcp(r);
    process.stdout.write(JSON.stringify({ id: r.id, ...v }) + '\n');
  });
});
rl.on('close', () => { void chain.then(() => process.exit(0)); });
process.stdout.write(JSON.stringify({ id: 0, ok: true, answer: 'ready' }) + '\n');
