import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ip4 } from '../../src/addr/index.js';
import type { Fraction } from '../../src/lib/index.js';
import type { Hook, HookHandler, HookHop, HostView, Skb } from '../../src/net/hooks.js';
import { NEW_CT } from '../../src/net/hooks.js';
import { kubeProxyRulesetText } from '../../src/net/netfilter/bench.js';
import { emptyRuleset, Netfilter, restore } from '../../src/net/netfilter/index.js';
import { makePacket } from '../../src/packet/index.js';
import { type BenchContext, round } from './figure.js';

/**
 * Netfilter figures: parsing a kube-proxy-shaped ruleset (10,000 Services x 3 endpoints, about
 * 110k rules) next to the real `iptables-restore --test` on the same text (medians of rounds
 * that run both), and first-packet
 * traces through a node's hooks (PREROUTING nat, FORWARD filter, POSTROUTING nat with their
 * conntrack handlers) at 100 and 10,000 Services. Rates use CPU time (process.cpuUsage), not
 * wall time: the machine is shared and wall clocks are noisy.
 */
export async function benchNetfilter(ctx: BenchContext): Promise<void> {
  const big = ctx.quick ? 2000 : 10000;
  const tag = ctx.quick ? `${big / 1000}k-services` : '10k-services';
  const text = kubeProxyRulesetText(big, 3);

  // Parse: the restore itself (parse + validate every line, as `iptables-restore --test` does),
  // called directly: Netfilter.iptablesRestore may answer a repeated text from a shared cache.
  // The first run is also reported on its own (it pays for JIT warm-up, as a fresh
  // `kubewire trace --iptables-save` would); then rounds back to back, then the real tool's runs
  // on the same text; medians. Back to back because an idle second between runs (while the child
  // runs) lets V8 shrink its young generation, and the next parse pays for growing it again.
  const rounds = ctx.quick ? 3 : 5;
  const cold = cpuMs(() => restore(emptyRuleset(), text));
  const oursRuns: number[] = [];
  for (let i = 0; i < rounds; i++) oursRuns.push(cpuMs(() => restore(emptyRuleset(), text)));
  const realRuns: number[] = [];
  let skipped: string | undefined;
  const real = realRestoreTest(text);
  if (typeof real !== 'string') {
    try {
      for (let i = 0; i < rounds && skipped === undefined; i++) {
        const r = real.run();
        if (typeof r === 'string') skipped = r;
        else realRuns.push(r);
      }
    } finally {
      real.close();
    }
  }
  const ours = median(oursRuns);
  if (process.env['KW_BENCH_DEBUG'] !== undefined) ctx.note(`parse rounds ${oursRuns.map((x) => x.toFixed(0)).join(' ')} real ${realRuns.map((x) => x.toFixed(0)).join(' ')}`);
  ctx.report({ name: `iptables.parse.${tag}`, value: round(ours, 1), unit: 'ms' });
  ctx.report({ name: `iptables.parse.first-run.${tag}`, value: round(cold, 1), unit: 'ms' });
  const why = typeof real === 'string' ? real : skipped;
  if (why !== undefined || realRuns.length === 0) {
    ctx.note(`iptables.restore-test.real.${tag}: skipped (${why ?? 'no run'})`);
  } else {
    const r = median(realRuns);
    ctx.report({ name: `iptables.restore-test.real.${tag}`, value: round(r, 1), unit: 'ms' });
    ctx.report({ name: 'iptables.parse.ratio', value: round(r / ours, 2), unit: 'x' });
    ctx.report({ name: 'iptables.parse.ratio.first-run', value: round(r / cold, 2), unit: 'x' });
  }
  const nf = new Netfilter('kw-bench');
  nf.iptablesRestore(text);
  await Promise.resolve();

  // Trace: first packets (ct NEW) to ClusterIPs through the node's hooks, forks included.
  const small = new Netfilter('kw-bench');
  small.iptablesRestore(kubeProxyRulesetText(100, 3));
  const traces = ctx.quick ? 20000 : 100000;
  const rSmall = traceRate(small, 100, traces);
  ctx.report({ name: 'iptables.trace.100-services', value: round(rSmall), unit: 'traces/s' });
  const rBig = traceRate(nf, big, traces);
  ctx.report({ name: `iptables.trace.${tag}`, value: round(rBig), unit: 'traces/s' });
  ctx.report({ name: 'iptables.trace.slowdown', value: round(rSmall / rBig, 2), unit: 'x' });
  // The same traces when every hop's text is read (formatting is lazy; this is its cost).
  ctx.report({ name: `iptables.trace.${tag}.hop-texts-read`, value: round(traceRate(nf, big, traces, true)), unit: 'traces/s' });
}

/** CPU milliseconds (user + system, all of this process's threads, GC included) spent in fn. */
function cpuMs(fn: () => void): number {
  const c0 = process.cpuUsage();
  fn();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  if (n === 0) return NaN;
  return n % 2 === 1 ? (s[n >> 1] ?? NaN) : ((s[n / 2 - 1] ?? 0) + (s[n / 2] ?? 0)) / 2;
}

/**
 * The real `iptables-restore --test` on the text, in a throwaway network namespace (never the
 * host's): `run()` gives the child's CPU milliseconds (user + system, read by bash's `time`; the
 * same measure as ours), or why it could not run. Or, instead of a runner, why it is skipped.
 */
function realRestoreTest(text: string): { run: () => number | string; close: () => void } | string {
  if (process.getuid?.() !== 0) return 'needs root';
  if (spawnSync('iptables-restore', ['--version']).status !== 0) return 'iptables-restore is not installed';
  const ns = `kw-bench-${(process.pid % 65536).toString(16).padStart(4, '0')}`;
  const dir = mkdtempSync(join(tmpdir(), 'kw-bench-'));
  const file = join(dir, 'rules.txt');
  writeFileSync(file, text);
  if (spawnSync('ip', ['netns', 'add', ns]).status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    return `could not create network namespace ${ns}`;
  }
  return {
    run: () => {
      const r = spawnSync('ip', ['netns', 'exec', ns, 'bash', '-c', `TIMEFORMAT='%3U %3S'; time iptables-restore --test < "$1"`, 'bash', file], { encoding: 'utf8' });
      if (r.status !== 0) return `iptables-restore --test failed: ${(r.stderr || '').trim().split('\n')[0] ?? ''}`;
      const m = /(\d+\.\d+) (\d+\.\d+)\s*$/.exec(r.stderr);
      if (m === null) return 'could not read the CPU time of iptables-restore';
      return (Number(m[1]) + Number(m[2])) * 1000;
    },
    close: () => {
      spawnSync('ip', ['netns', 'del', ns]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const HOST: HostView = {
  netns: 'kw-bench',
  addrType: (ip) => (ip === 0xc0a80002 ? 'LOCAL' : 'UNICAST'),
  primaryAddress: (dev) => (dev === 'eth0' ? ip4(0xc0a80002) : undefined),
  sourceAddressFor: () => ip4(0xc0a80002),
};

/** The handlers at each hook, in priority order, as Netns.registerHook would sort them. */
function handlersByHook(nf: Netfilter): Map<Hook, HookHandler[]> {
  const m = new Map<Hook, HookHandler[]>();
  for (const r of nf.registrations()) {
    const l = m.get(r.hook) ?? [];
    l.push(r.handler);
    m.set(r.hook, l);
  }
  for (const l of m.values()) l.sort((a, b) => a.priority - b.priority);
  return m;
}

interface Path {
  prob: Fraction | undefined;
  hops: HookHop[];
}

/**
 * Runs one hook's handlers as the datapath's hook runner does (every branch continues with the
 * next handler; hops are collected per path); `k` receives each accepted skb.
 */
function runHook(handlers: readonly HookHandler[], i: number, hook: Hook, skb: Skb, path: Path, k: (skb: Skb, path: Path) => void): void {
  const h = handlers[i];
  if (h === undefined) {
    k(skb, path);
    return;
  }
  // As the datapath's hook runner does (src/datapath/hook-runner.ts): a handler that says it would pass every packet
  // untouched at this hook (an empty raw or mangle table) is not called.
  if (h.idle?.(hook) === true) {
    runHook(handlers, i + 1, hook, skb, path, k);
    return;
  }
  const branches = h.process(hook, skb, HOST);
  for (const b of branches) {
    const p = branches.length === 1 ? path : { prob: path.prob === undefined ? b.probability : path.prob.mul(b.probability), hops: path.hops.slice() };
    for (const hh of b.hops) p.hops.push(hh);
    if (b.verdict.kind === 'accept') runHook(handlers, i + 1, hook, b.skb, p, k);
  }
}

/**
 * First-packet traces per CPU second through PREROUTING, FORWARD and POSTROUTING. Hops are
 * collected by reference and their texts formatted only when read; with `readHops` every hop's
 * detail and NAT text is read, as a caller that copies or prints them all pays.
 */
export function traceRate(nf: Netfilter, services: number, traces: number, readHops = false): number {
  const hooks = handlersByHook(nf);
  const pre = hooks.get('PREROUTING') ?? [];
  const fwd = hooks.get('FORWARD') ?? [];
  const post = hooks.get('POSTROUTING') ?? [];
  const skbs: Skb[] = [];
  for (let i = 0; i < 4096; i++) {
    const s = (i * 7919) % services;
    skbs.push({
      packet: makePacket({ src: ip4(0x0a000002 + (i % 200)), dst: ip4(0xac1e0000 + 1 + s), proto: 'tcp', sport: 30000 + (i % 30000), dport: 80 }),
      mark: 0,
      ct: NEW_CT,
      inDev: 'cni0',
      outDev: undefined,
      physIn: undefined,
      physOut: undefined,
      bridged: false,
    });
  }
  let ends = 0;
  let hopCount = 0;
  let textBytes = 0;
  const one = (skb: Skb): void => {
    runHook(pre, 0, 'PREROUTING', skb, { prob: undefined, hops: [] }, (s1, p1) => {
      const routed: Skb = { ...s1, outDev: 'eth0' };
      runHook(fwd, 0, 'FORWARD', routed, p1, (s2, p2) => {
        runHook(post, 0, 'POSTROUTING', s2, p2, (_s3, p3) => {
          ends++;
          hopCount += p3.hops.length;
          if (readHops) for (const h of p3.hops) textBytes += h.detail.length + (h.nat?.after.length ?? 0) + (h.rule?.length ?? 0);
        });
      });
    });
  };
  // Warm up the JIT and the chain indexes before timing.
  for (let i = 0; i < Math.min(traces, 5000); i++) one(skbs[i % skbs.length] ?? skbs[0] ?? NEVER);
  const ms = cpuMs(() => {
    for (let i = 0; i < traces; i++) one(skbs[i % skbs.length] ?? NEVER);
  });
  if (ends === 0 || hopCount === 0 || (readHops && textBytes === 0)) throw new Error('netfilter bench: no trace reached POSTROUTING');
  return (traces * 1000) / Math.max(ms, 1e-6);
}

const NEVER: Skb = {
  packet: makePacket({ src: ip4(0), dst: ip4(0), proto: 'tcp', sport: 1, dport: 1 }),
  mark: 0,
  ct: NEW_CT,
  inDev: undefined,
  outDev: undefined,
  physIn: undefined,
  physOut: undefined,
  bridged: false,
};
