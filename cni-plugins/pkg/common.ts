import { createHash } from 'node:crypto';
import { CniError, parseCniArgs, type CmdArgs, type PluginHost, type PluginInfo, type Result100 } from '../../src/cni/index.js';
import { isKernelError, type Kernel, type NetnsRef } from '../../src/kernel/index.js';
import { isThenable } from '../../src/lib/index.js';
import { drive, type StepKernel, type Steps } from './steps.js';

/** Our plugins speak every spec version, 1.1.0 included (Debian's 1.1.1 plugins stop at 1.0.0). */
export const SUPPORTED_VERSIONS = ['0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'] as const;

export function pluginInfo(name: string): PluginInfo {
  return {
    supportedVersions: SUPPORTED_VERSIONS,
    about: `CNI ${name} plugin (kubewire)`,
    versionAnswer: 'echo',
    errorStyle: 'spec',
    emptyDns: 'omit',
  };
}

export type Args = CmdArgs<PluginHost>;

/** Plugin errors that upstream reports as untyped Go errors: code 999 with the same text. */
export function fail(msg: string): never {
  throw new CniError(999, msg);
}

/** The config as an object (the skel already checked it is one). */
export function confObject(args: Args): Readonly<Record<string, unknown>> {
  return args.config as Readonly<Record<string, unknown>>;
}

const NO_ARGS: ReadonlyMap<string, string> = new Map<string, string>();

/** types.LoadArgs: strict K=V pairs, unknown keys rejected unless IgnoreUnknown=1|true. */
export function loadCniArgs(text: string, known: readonly string[]): ReadonlyMap<string, string> {
  if (text === '') return NO_ARGS; // what runtimes pass without CNI_ARGS: no map to make for every run
  const out = new Map<string, string>();
  const pairs = parseCniArgs(text);
  const ignore = pairs.some(([k, v]) => k === 'IgnoreUnknown' && (v === '1' || v.toLowerCase() === 'true'));
  const unknown: string[] = [];
  for (const [k, v] of pairs) {
    if (k === 'IgnoreUnknown' || k === 'K8S_POD_NAMESPACE' || k === 'K8S_POD_NAME' || k === 'K8S_POD_INFRA_CONTAINER_ID' || k === 'K8S_POD_UID') continue;
    if (known.includes(k)) out.set(k, v);
    else unknown.push(`${k}=${v}`);
  }
  if (unknown.length > 0 && !ignore) fail(`ARGS: unknown args [${unknown.map((u) => JSON.stringify(u)).join(' ')}]`);
  return out;
}

/** utils.MustFormatChainNameWithPrefix: "CNI-" + prefix + sha512(name+id) hex, cut to 28 characters. */
export function chainName(name: string, id: string, prefix = ''): string {
  return `CNI-${prefix}${createHash('sha512').update(name + id).digest('hex')}`.slice(0, 28);
}

/** utils.FormatComment: Go's %q of both. */
export function chainComment(name: string, id: string): string {
  return `name: ${JSON.stringify(name)} id: ${JSON.stringify(id)}`;
}

/** A token for iptables-restore input: double-quoted when it has spaces or quotes. */
export function q(token: string): string {
  return /^[A-Za-z0-9_.:/!=,+-]+$/.test(token) ? token : `"${token.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

/** Run `fn`, treating "already gone" (not-found, missing netns) as done: DEL must succeed when things are missing. */
export async function ignoreGone(fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (e) {
    if (isGone(e)) return;
    throw e;
  }
}

/**
 * ignoreGone as an operation to yield from step generators: an operation that answered at once (the virtual kernel's)
 * is done at once (undefined, or its error thrown); one that answers with a promise gives a promise.
 */
export function ignoreGoneNow(fn: () => unknown): undefined | Promise<void> {
  let r: unknown;
  try {
    r = fn();
  } catch (e) {
    if (isGone(e)) return undefined;
    throw e;
  }
  return isThenable(r) ? Promise.resolve(r).then(() => undefined, (e: unknown) => { if (!isGone(e)) throw e; }) : undefined;
}

function isGone(e: unknown): boolean {
  return isKernelError(e, 'not-found') || isKernelError(e, 'no-netns');
}

/** The same as step generator (pkg/steps.ts): the operation's failure is thrown at its yield. */
export function* ignoreGoneSteps(op: () => unknown): Steps<void> {
  try {
    yield op();
  } catch (e) {
    if (isGone(e)) return;
    throw e;
  }
}

/** ns.GetNS: the netns must open, with Go's message when it does not. */
export async function openNetns(kernel: Kernel, ref: NetnsRef): Promise<void> {
  await drive(openNetnsSteps(kernel, ref));
}

export function* openNetnsSteps(kernel: StepKernel, ref: NetnsRef): Steps<void> {
  if (ref === '' || !((yield kernel.netns.exists(ref)) as boolean)) {
    fail(`failed to open netns "${ref}": failed to Statfs "${ref}": no such file or directory`);
  }
}

/** ip.EnableIP4Forward. */
export async function enableIp4Forward(kernel: Kernel): Promise<void> {
  await drive(enableIp4ForwardSteps(kernel));
}

export function* enableIp4ForwardSteps(kernel: StepKernel): Steps<void> {
  if (((yield kernel.sysctl.get('', 'net.ipv4.ip_forward')) as string | undefined) !== '1') yield kernel.sysctl.set('', 'net.ipv4.ip_forward', '1');
}

/** A 1.0-shaped result builder that drops empty fields (Go omitempty). */
export function result100(r: Omit<Result100, 'cniVersion'>): Result100 {
  const out: { -readonly [K in keyof Result100]: Result100[K] } = { cniVersion: '1.0.0' };
  if (r.interfaces !== undefined && r.interfaces.length > 0) out.interfaces = r.interfaces;
  if (r.ips !== undefined && r.ips.length > 0) out.ips = r.ips;
  if (r.routes !== undefined && r.routes.length > 0) out.routes = r.routes;
  if (r.dns !== undefined) out.dns = r.dns;
  return out;
}
