import { Command, CommanderError, Option } from 'commander';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import type { IpProto } from '../addr/index.js';
import { buildClusterAuto, traceInCluster, traceIptablesSave } from '../cluster/index.js';
import type { TraceResult } from '../datapath/index.js';
import { readFile } from 'node:fs/promises';
import { InputError, isKubewireError, errorMessage } from '../lib/index.js';
import { loadTopology } from '../topology/index.js';
import type { ProxyMode } from '../proxy/index.js';
import { reportHasErrors, reportToJson, reportToText, runCniLintCommand, validatePlugin } from '../cni/index.js';
import { cleanupKw, LinuxKernel, NodeCommandRunner } from '../kernel/index.js';
import { renderTrace, traceToJson } from './render-trace.js';
import { renderShow, renderSummary } from './show.js';
import { dnsCommand, envCommand } from './dns-env.js';
import { registerRealizeCommands } from './realize-commands.js';
import { startServe } from './serve.js';

/** Exit codes are a contract: 0 answered, 2 bad input, 1 internal error. */
export const EXIT_OK = 0;
export const EXIT_INTERNAL = 1;
export const EXIT_BAD_INPUT = 2;

export const DEFAULT_TOPOLOGY = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'topologies', 'three-node.yaml');

export interface CliIo {
  readonly stdout: (s: string) => void;
  readonly stderr: (s: string) => void;
}

const PROTOS = ['tcp', 'udp', 'sctp', 'icmp'] as const;

interface TraceOptions {
  from: string;
  to: string;
  proto?: IpProto;
  sport?: number;
  ttl?: number;
  json?: boolean;
  connection?: boolean;
  iptablesSave?: string;
  inIface?: string;
  nodeIp: string[];
  ipvsadm?: string;
  ipset?: string;
  nft?: string;
  mode?: ProxyMode;
}

const MODES = ['iptables', 'ipvs', 'userspace', 'nftables'] as const;

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    throw new InputError('KW_CLI_FILE', `cannot read ${path}: ${errorMessage(e)}`, { cause: e });
  }
}

export function buildProgram(io: CliIo, setExit: (code: number) => void = () => undefined): Command {
  const program = new Command('kubewire')
    .description('A Kubernetes data plane emulator: trace packets through nodes, bridges, routes, overlays and kube-proxy rules, without a cluster.')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });

  program
    .command('trace')
    .description('trace a packet hop by hop and list every possible path with its probability')
    .argument('[topology]', 'topology YAML file (not needed with --iptables-save)')
    .requiredOption('--from <endpoint>', 'pod/<ns>/<name>, node/<name>, external/<name> or <ip>')
    .requiredOption('--to <endpoint>', 'pod/<ns>/<name>[:port], node/<name>[:port], svc/<ns>/<name>:<port>, external/<name>[:port] or <ip>[:<port>]')
    .addOption(new Option('--proto <proto>', 'protocol').choices(PROTOS))
    .option('--sport <port>', 'source port (default 40000)', parseIntOpt('--sport'))
    .option('--ttl <n>', 'initial TTL (default 64)', parseIntOpt('--ttl'))
    .option('--connection', "also trace each delivered path's reply back through conntrack")
    .option('--iptables-save <file>', 'trace through an iptables-save dump from a real node instead of a topology')
    .option('--in-iface <name>', 'with --iptables-save: the interface the packet arrives on (default eth0)')
    .option('--node-ip <ip>', "with --iptables-save: one of the node's own addresses (repeatable)", (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--ipvsadm <file>', 'trace a real node in IPVS mode: its `ipvsadm -S -n` or `ipvsadm -Ln` output (with --iptables-save and --ipset)')
    .option('--ipset <file>', "the node's `ipset save` output (IPVS mode)")
    .option('--nft <file>', "trace a real node in nftables mode: its `nft list ruleset` output (--iptables-save optional)")
    .addOption(new Option('--mode <mode>', "kube-proxy mode, overriding the topology's proxyMode").choices(MODES))
    .option('--json', 'print JSON')
    .action(async (topology: string | undefined, o: TraceOptions) => {
      const common = {
        ...(o.proto === undefined ? {} : { proto: o.proto }),
        ...(o.sport === undefined ? {} : { sport: o.sport }),
        ...(o.connection === true ? { connection: true } : {}),
      };
      let r: TraceResult;
      if (o.iptablesSave !== undefined || o.nft !== undefined || o.ipvsadm !== undefined) {
        if (topology !== undefined) throw new InputError('KW_CLI_USAGE', 'give either a topology or node dumps (--iptables-save, --ipvsadm, --ipset, --nft), not both');
        const dump = o.iptablesSave === undefined ? '' : await readText(o.iptablesSave);
        const extra = {
          ...(o.ipvsadm === undefined ? {} : { ipvsadm: await readText(o.ipvsadm), ipvsadmFile: o.ipvsadm }),
          ...(o.ipset === undefined ? {} : { ipset: await readText(o.ipset), ipsetFile: o.ipset }),
          ...(o.nft === undefined ? {} : { nft: await readText(o.nft), nftFile: o.nft }),
        };
        r = traceIptablesSave({ dump, dumpFile: o.iptablesSave ?? '(no iptables-save)', from: o.from, to: o.to, nodeIps: o.nodeIp, ...(o.inIface === undefined ? {} : { inIface: o.inIface }), ...extra, ...common });
      } else {
        if (topology === undefined) throw new InputError('KW_CLI_USAGE', 'trace needs a topology file (or --iptables-save <file>)');
        const cluster = await buildClusterAuto(await loadTopology(topology), o.mode === undefined ? {} : { proxyMode: o.mode });
        r = traceInCluster(cluster, { from: o.from, to: o.to, ...common, ...(o.ttl === undefined ? {} : { ttl: o.ttl }) });
      }
      io.stdout(o.json === true ? JSON.stringify(traceToJson(r), null, 2) + '\n' : renderTrace(r));
    });

  program
    .command('rules')
    .description("print a node's kube-proxy state: iptables-save (iptables, userspace), plus ipvsadm -Ln and ipset save (ipvs), or nft list ruleset (nftables)")
    .argument('<topology>', 'topology YAML file')
    .requiredOption('--node <name>', 'the node')
    .addOption(new Option('--mode <mode>', "kube-proxy mode, overriding the topology's proxyMode").choices(MODES))
    .option(
      '--iptables-save',
      "print only the node's iptables-save; in nftables mode that is the kubelet's and the CNI plugins' rules (portmap, ipMasq), which live outside kube-proxy's table: trace both with `trace --nft <ruleset> --iptables-save <this>`",
    )
    .action(async (topology: string, o: { node: string; mode?: ProxyMode; iptablesSave?: boolean }) => {
      const cluster = await buildClusterAuto(await loadTopology(topology), o.mode === undefined ? {} : { proxyMode: o.mode });
      if (!cluster.nodes.has(o.node)) throw new InputError('KW_CLI_USAGE', `--node ${o.node}: no such node (nodes: ${[...cluster.nodes.keys()].join(', ')})`);
      const proxy = cluster.proxies.get(o.node);
      if (proxy === undefined) throw new InputError('KW_CLI_UNSUPPORTED', `no kube-proxy runs on node ${o.node}`);
      io.stdout(o.iptablesSave === true ? proxy.iptablesSave() : proxy.rules());
    });

  program
    .command('show')
    .description("print the cluster, or one namespace's ip addr / ip route / ip neigh / bridge fdb")
    .argument('<topology>', 'topology YAML file')
    .option('--node <name>', "a node's root namespace")
    .option('--pod <ns/name>', "a pod's namespace")
    .option('--external <name>', "an external host's namespace")
    .action(async (topology: string, o: { node?: string; pod?: string; external?: string }) => {
      const chosen = [o.node, o.pod, o.external].filter((x) => x !== undefined).length;
      if (chosen > 1) throw new InputError('KW_CLI_USAGE', 'give at most one of --node, --pod, --external');
      io.stdout(renderShow(await buildClusterAuto(await loadTopology(topology)), o));
    });

  program
    .command('demo')
    .description('bring up a topology (default: topologies/three-node.yaml) and trace a pod-to-pod packet across nodes')
    .argument('[topology]', 'topology YAML file', DEFAULT_TOPOLOGY)
    .action(async (topology: string) => {
      const cluster = await buildClusterAuto(await loadTopology(topology));
      io.stdout(renderSummary(cluster));
      const pods = [...cluster.pods.values()];
      const a = pods[0];
      const b = pods.find((p) => a !== undefined && p.node !== a.node) ?? pods[1];
      if (a === undefined || b === undefined) {
        io.stdout('\n(fewer than two pods: nothing to trace)\n');
        return;
      }
      const port = b.ports[0]?.containerPort ?? 80;
      io.stdout(`\n$ kubewire trace ${topology} --from pod/${a.key} --to pod/${b.key}:${port}\n`);
      io.stdout(renderTrace(traceInCluster(cluster, { from: `pod/${a.key}`, to: `pod/${b.key}:${port}` })));
    });

  program
    .command('dns')
    .description('answer a DNS query as CoreDNS would in the live cluster (A, AAAA, SRV, CNAME), and trace the query to the kube-dns pods')
    .argument('<topology>', 'topology YAML file')
    .argument('<name>', 'a name: web, web.demo, web.demo.svc.cluster.local., _http._tcp.web.demo.svc.cluster.local., 10-244-1-2.demo.pod.cluster.local.')
    .option('--type <type>', 'A, AAAA, SRV or CNAME (default A)')
    .option('--namespace <ns>', "the asking pod's namespace, for the search path (default: default, or the --from pod's)")
    .option('--from <pod>', 'pod/<ns>/<name> whose query is traced to the DNS Service')
    .action(async (topology: string, name: string, o: { type?: string; namespace?: string; from?: string }) => {
      io.stdout(await dnsCommand(topology, name, o));
    });

  program
    .command('env')
    .description("print the Service environment variables (<SVC>_SERVICE_HOST, <SVC>_PORT_…) the kubelet gives a pod's containers")
    .argument('<topology>', 'topology YAML file')
    .argument('<pod>', 'pod/<ns>/<name>')
    .action(async (topology: string, pod: string) => {
      io.stdout(await envCommand(topology, pod));
    });

  const cni = program.command('cni').description('CNI tools: lint a conflist, validate a plugin');
  cni
    .command('lint')
    .description('check conflists statically: schema, names, versions, plugins present on the CNI path (exit 1 on any error finding)')
    .usage('[--cni-path D[:D]] [--probe-versions] <conflist>...')
    .allowUnknownOption()
    .helpOption(false)
    .argument('[args...]')
    .action(async (args: string[]) => {
      setExit(await runCniLintCommand(args, { stdout: io.stdout, stderr: io.stderr, env: process.env }));
    });

  cni
    .command('validate')
    .description('run a CNI plugin for real (root) in throwaway kw-v-* namespaces through VERSION, ADD/CHECK/DEL per version, chaining and bad inputs; exit 1 on any error finding')
    .requiredOption('--plugin <path>', 'the plugin executable')
    .option('--config <file>', 'conflist or plugin config to test with (default: a built-in one for bridge, ptp, host-local, loopback, portmap, vxlan)')
    .option('--cni-path <dirs>', "CNI_PATH for delegated plugins (default: the plugin's directory)")
    .option('--versions <list>', 'only exercise these spec versions (comma-separated) of those the plugin claims')
    .option('--json', 'print {"plugin","findings":[…],"checksRun":N}')
    .action(async (o: { plugin: string; config?: string; cniPath?: string; versions?: string; json?: boolean }) => {
      if (process.getuid?.() !== 0) throw new InputError('KW_CLI_NOT_ROOT', 'cni validate runs plugins in real network namespaces: run it as root');
      const report = await validatePlugin(o.plugin, { ...(o.config === undefined ? {} : { configFile: o.config }), ...(o.cniPath === undefined ? {} : { cniPath: o.cniPath }), ...(o.versions === undefined ? {} : { versions: o.versions.split(',') }) });
      io.stdout(o.json === true ? reportToJson(report) : reportToText(report));
      setExit(reportHasErrors(report) ? 1 : 0);
    });

  program
    .command('cleanup')
    .description('remove every kw- network namespace left behind by tests, the validator or a crash (a running validator keeps its own)')
    .action(async () => {
      const r = await cleanupKw(new LinuxKernel(new NodeCommandRunner()));
      for (const n of r.removed) io.stdout(`removed netns ${n}\n`);
      for (const x of r.failed) io.stderr(`kubewire: could not remove netns ${x.name}: ${x.error}\n`);
      for (const x of r.inUse) io.stdout(`kept netns ${x.name}: in use by a running validator (pid ${x.pid})\n`);
      if (r.removed.length === 0 && r.failed.length === 0 && r.inUse.length === 0) io.stdout('nothing to clean up\n');
      setExit(r.failed.length > 0 ? 1 : 0);
    });

  program
    .command('serve')
    .description("bring a topology up as a live cluster and serve its API to kubectl (writes reach the controllers, scheduler, kubelets and kube-proxy); also POST /kubewire/v1/trace and GET /kubewire/v1/nodes/<node>/rules")
    .argument('<topology>', 'topology YAML file')
    .option('--port <n>', 'port (default 0: an ephemeral port, printed)', parseIntOpt('--port'))
    .option('--host <addr>', 'address to bind (default 127.0.0.1; any other needs --token)')
    .option('--token <token>', 'bearer token every request must carry')
    .option('--kubeconfig <path>', 'where to write the kubeconfig (default ./kubewire.kubeconfig)')
    .addOption(new Option('--clock <mode>', 'manual: simulated time stands still (default); realtime: it follows wall time').choices(['manual', 'realtime']))
    .action(async (topology: string, o: { port?: number; host?: string; token?: string; kubeconfig?: string; clock?: 'manual' | 'realtime' }) => {
      const s = await startServe(topology, o, io.stderr);
      io.stdout(`kubewire: serving ${topology} at ${s.server.url}\nkubewire: kubeconfig written to ${s.kubeconfig}\n  kubectl --kubeconfig ${s.kubeconfig} get pods -A\n`);
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      await s.close();
      io.stdout('kubewire: stopped\n');
    });

  registerRealizeCommands(program, io, setExit);

  return program;
}

function parseIntOpt(flag: string): (v: string) => number {
  return (v) => {
    if (!/^\d+$/.test(v)) throw new InputError('KW_CLI_USAGE', `${flag} "${v}" is not a whole number`);
    return Number(v);
  };
}

/** Runs the CLI and returns the exit code; never calls process.exit itself, so tests can drive it. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let code = EXIT_OK;
  const program = buildProgram(io, (c) => (code = c));
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return EXIT_OK;
      return EXIT_BAD_INPUT;
    }
    if (isKubewireError(e)) {
      io.stderr(`kubewire: error: ${e.message}\n`);
      return EXIT_BAD_INPUT;
    }
    io.stderr(`kubewire: internal error: ${errorMessage(e)}\n${e instanceof Error && e.stack !== undefined ? e.stack + '\n' : ''}`);
    return EXIT_INTERNAL;
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const code = await runCli(process.argv.slice(2), { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) });
  process.exitCode = code;
}
