import { parseDump } from '../../src/proxy/index.js';

/**
 * A port of kube-proxy's test tracer (proxier_test.go tracePacket): nat KUBE-SERVICES (what
 * PREROUTING jumps to), then filter KUBE-SERVICES, KUBE-EXTERNAL-SERVICES, KUBE-NODEPORTS,
 * KUBE-PROXY-FIREWALL. Probabilistic jumps explore every branch; -m recent/mark/conntrack rules
 * never match; rules without -j are skipped. Only for checking our rendering in unit tests; the
 * real evaluation is the netfilter engine's job.
 */
interface Val {
  readonly neg: boolean;
  readonly v: string;
}
interface Rule {
  readonly raw: string;
  readonly p: Map<string, Val>;
}

const PARAMS = new Set(['-s', '-d', '-p', '--src-type', '--dst-type', '--dport', '-j', '--probability', '--to-destination', '--mark', '--ctstate', '--name', '--seconds', '--mode', '--comment', '--nfacct-name']);
const FLAGS = new Set(['--rcheck', '--set', '--reap', '--random-fully']);

function parseRule(raw: string): Rule {
  const words = [...raw.matchAll(/(?:^|\s)("[^"]*"|[^"]\S*)/g)].map((m) => (m[1] ?? '').replace(/^"+|"+$/g, ''));
  const p = new Map<string, Val>();
  let neg = false;
  for (let i = 2; i < words.length; ) {
    const w = words[i] ?? '';
    if (w === '-m') {
      i += 2;
      continue;
    }
    if (w === '!') {
      neg = true;
      i++;
      continue;
    }
    if (PARAMS.has(w)) {
      p.set(w, { neg, v: words[i + 1] ?? '' });
      i += 2;
    } else {
      if (FLAGS.has(w)) p.set(w, { neg, v: '' });
      i++;
    }
    neg = false;
  }
  return { raw, p };
}

function ipNum(s: string): number {
  return s.split('.').reduce((a, o) => a * 256 + Number(o), 0);
}
function addrMatches(val: Val, ip: string): boolean {
  let m: boolean;
  if (val.v.includes('/')) {
    const [net, len] = val.v.split('/');
    const bits = Number(len);
    const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    m = ((ipNum(ip) & mask) >>> 0) === ((ipNum(net ?? '') & mask) >>> 0);
  } else m = val.v === ip;
  return val.neg ? !m : m;
}
const matches = (val: Val, s: string): boolean => (val.neg ? val.v !== s : val.v === s);

export interface TraceResult {
  readonly output: string;
  readonly masq: boolean;
  readonly matched: readonly string[];
}

export class Tracer {
  private readonly tables = new Map<string, Map<string, Rule[]>>();
  constructor(
    restore: string,
    private readonly localIPs: readonly string[],
  ) {
    for (const t of parseDump(restore)) {
      const chains = new Map<string, Rule[]>();
      for (const c of t.chains) chains.set(c.name, c.rules.map(parseRule));
      this.tables.set(t.name, chains);
    }
  }

  trace(src: string, proto: string, dst: string, dport: number): TraceResult {
    const st = { outputs: [] as string[], masq: false, matched: [] as string[] };
    this.run('nat', 'KUBE-SERVICES', src, proto, dst, String(dport), st);
    const first = st.outputs[0];
    if (first !== undefined) dst = first.split(':')[0] ?? dst;
    for (const c of ['KUBE-SERVICES', 'KUBE-EXTERNAL-SERVICES', 'KUBE-NODEPORTS', 'KUBE-PROXY-FIREWALL']) {
      this.run('filter', c, src, proto, dst, String(dport), st);
    }
    return { output: st.outputs.join(', '), masq: st.masq, matched: st.matched };
  }

  private ruleMatches(r: Rule, src: string, proto: string, dst: string, dport: string): boolean {
    const g = (k: string): Val | undefined => r.p.get(k);
    const s = g('-s');
    if (s !== undefined && !addrMatches(s, src)) return false;
    const st = g('--src-type');
    if (st !== undefined && !matches(st, this.localIPs.includes(src) ? 'LOCAL' : 'not-matched')) return false;
    const p = g('-p');
    if (p !== undefined && !matches(p, proto)) return false;
    const d = g('-d');
    if (d !== undefined && !addrMatches(d, dst)) return false;
    const dt = g('--dst-type');
    if (dt !== undefined && !matches(dt, this.localIPs.includes(dst) ? 'LOCAL' : 'not-matched')) return false;
    const dp = g('--dport');
    if (dp !== undefined && !matches(dp, dport)) return false;
    if (r.p.has('--rcheck') || r.p.has('--mark') || r.p.has('--ctstate')) return false;
    return true;
  }

  private run(table: string, chain: string, src: string, proto: string, dst: string, dport: string, st: { outputs: string[]; masq: boolean; matched: string[] }): boolean {
    const rules = this.tables.get(table)?.get(chain);
    if (rules === undefined) return false;
    for (const r of rules) {
      const j = r.p.get('-j');
      if (j === undefined || !this.ruleMatches(r, src, proto, dst, dport)) continue;
      st.matched.push(r.raw);
      if (j.v === 'KUBE-MARK-MASQ') {
        st.masq = true;
        continue;
      }
      if (j.v === 'ACCEPT' || j.v === 'REJECT' || j.v === 'DROP') {
        st.outputs.push(j.v);
        return true;
      }
      if (j.v === 'DNAT') {
        st.outputs.push(r.p.get('--to-destination')?.v ?? '?');
        return true;
      }
      const terminated = this.run(table, j.v, src, proto, dst, dport, st);
      if (terminated && !r.p.has('--probability')) return true;
    }
    return false;
  }
}
