import { CniError, type CniPlugin, type Dns, type PluginHost, type Result100 } from '../../../src/cni/index.js';
import { type Args, confObject, fail, loadCniArgs, result100 } from '../../pkg/common.js';
import { allocate } from './allocator.js';
import { loadIpamConfig } from './config.js';
import { Store } from './store.js';
import { drive, stepFiles, type Steps } from '../../pkg/steps.js';

function load(args: Args) {
  const cniArgs = loadCniArgs(args.args, ['IP']);
  const ipArg = cniArgs.get('IP');
  const conf = loadIpamConfig(confObject(args), args.cniVersion, ipArg === undefined || ipArg === '' ? [] : ipArg.split(','));
  return { conf, store: new Store(args.kernel.files, conf.dataDir, conf.name) };
}

/** parseResolvConf: nameserver, domain, search and options lines. */
function* resolvConf(args: Args, path: string): Steps<Dns> {
  const text = (yield stepFiles(args.kernel.files).read(path)) as string | undefined;
  if (text === undefined) fail(`open ${path}: no such file or directory`);
  const dns: { nameservers?: string[]; domain?: string; search?: string[]; options?: string[] } = {};
  for (const line of text.split('\n')) {
    const [key, ...rest] = line.trim().split(/\s+/);
    if (key === 'nameserver' && rest[0] !== undefined) (dns.nameservers ??= []).push(rest[0]);
    else if (key === 'domain' && rest[0] !== undefined) dns.domain = rest[0];
    else if (key === 'search') dns.search = rest;
    else if (key === 'options') (dns.options ??= []).push(...rest);
  }
  return dns;
}

/**
 * host-local IPAM (containernetworking/plugins plugins/ipam/host-local): one address per range set, state in
 * `<dataDir>/<network>/`. A failure releases what this call reserved.
 */
export const hostLocal: CniPlugin<PluginHost> = {
  // ADD and DEL are step generators (pkg/steps.ts): on memory files they finish without awaiting.
  add: (args) => drive(addSteps(args)),
  del: (args) => drive(delSteps(args)),

  async check(args) {
    const { store } = load(args);
    if ((await drive(store.getById(args.containerId, args.ifName))).length === 0) fail(`host-local: Failed to find address added by container ${args.containerId}`);
  },

  /** Spec 1.1 GC: release every address whose (containerID, ifname) is not a valid attachment. */
  async gc(args) {
    const { store } = load(args);
    const valid = new Set(args.validAttachments.map((a) => `${a.containerID}\u0000${a.ifname}`));
    for (const e of await drive(store.entries())) if (!valid.has(`${e.id}\u0000${e.ifName}`)) await drive(store.release(e.ip));
  },
};

function* addSteps(args: Args): Steps<Result100> {
  const { conf, store } = load(args);
  const dns = conf.resolvConf === undefined ? undefined : yield* resolvConf(args, conf.resolvConf);
  const pending = new Set(conf.requested);
  const ips = [];
  try {
    for (const [idx, set] of conf.ranges.entries()) {
      const req = [...pending].find((ip) => set.some((r) => ip >= r.start && ip <= r.end));
      if (req !== undefined) pending.delete(req);
      try {
        ips.push(yield* allocate(store, set, idx, args.containerId, args.ifName, req));
      } catch (e) {
        const msg = e instanceof CniError ? e.msg : e instanceof Error ? e.message : String(e);
        fail(`failed to allocate for range ${idx}: ${msg}`);
      }
    }
    if (pending.size > 0) fail(`failed to allocate all requested IPs: ${[...pending].map((ip) => [24, 16, 8, 0].map((s) => (ip >>> s) & 255).join('.')).join(' ')}`);
  } catch (e) {
    // As upstream: release only when this call reserved something (a duplicate ADD must not free the first lease).
    if (ips.length > 0) yield* store.releaseById(args.containerId, args.ifName);
    throw e;
  }
  return result100({ ips, routes: conf.routes, ...(dns === undefined ? {} : { dns }) });
}

function* delSteps(args: Args): Steps<void> {
  const { store } = load(args);
  yield* store.releaseById(args.containerId, args.ifName);
}
