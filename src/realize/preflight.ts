import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { join } from 'node:path';
import { KubewireError } from '../lib/index.js';
import type { ProxyMode } from '../topology/index.js';

/** Why the real kernel cannot take a topology, as a stable code and a sentence that says what to do. */
export class RealizeError extends KubewireError {
  override readonly name = 'RealizeError';
}

export const REQUIRED_TOOLS = ['ip', 'iptables', 'iptables-restore', 'iptables-save', 'sysctl', 'bridge', 'nfacct'] as const;

/** The Debian package each tool kubewire runs comes in, so a missing one's error names what to install. */
const DEBIAN_PACKAGE: Readonly<Record<string, string>> = {
  ip: 'iproute2', bridge: 'iproute2', iptables: 'iptables', 'iptables-restore': 'iptables', 'iptables-save': 'iptables',
  sysctl: 'procps', nfacct: 'nfacct', conntrack: 'conntrack', 'xtables-monitor': 'iptables', stdbuf: 'coreutils', nft: 'nftables', ipset: 'ipset', tshark: 'tshark',
};

/** `apt-get install` names for the tools, each package once, in the tools' order. */
export function packagesFor(tools: readonly string[]): string[] {
  return [...new Set(tools.map((t) => DEBIAN_PACKAGE[t] ?? t))];
}

/** Finds an executable on PATH (what a shell's `command -v` does). */
export function findTool(tool: string, path: string): string | undefined {
  for (const dir of path.split(':')) {
    if (dir === '') continue;
    const full = join(dir, tool);
    try {
      accessSync(full, constants.X_OK);
      return full;
    } catch {
      // not here
    }
  }
  return undefined;
}

export interface PreflightOptions {
  readonly uid: number | undefined;
  readonly path: string;
  readonly tools?: readonly string[];
}

/** Root and the tools, checked before anything is created. */
export function preflight(o: PreflightOptions): void {
  if (o.uid !== 0) {
    throw new RealizeError('KW_REALIZE_NOT_ROOT', `creating network namespaces needs root (running as uid ${o.uid ?? 'unknown'}): run with sudo`);
  }
  const missing = (o.tools ?? REQUIRED_TOOLS).filter((t) => findTool(t, o.path) === undefined);
  if (missing.length > 0) {
    const packages = packagesFor(missing);
    throw new RealizeError('KW_REALIZE_MISSING_TOOL', `${missing.join(', ')} not found on PATH (${o.path}): install the Debian package${packages.length > 1 ? 's' : ''} ${packages.join(', ')} (scripts/setup.sh --system installs every one kubewire uses)`);
  }
}

/**
 * The netfilter `nft` on PATH. Directories under node_modules are skipped: npm and npx put node_modules/.bin first,
 * and @vercel/nft (a dev dependency of ava) installs an unrelated `nft` there that exits 0 on anything. A candidate
 * counts only if `nft --version` says "nftables v…".
 */
export function findNft(path: string): string | undefined {
  for (const dir of path.split(':')) {
    if (dir === '' || dir.split('/').includes('node_modules')) continue;
    const full = findTool('nft', dir);
    if (full === undefined) continue;
    const v = spawnSync(full, ['--version'], { encoding: 'utf8', timeout: 5000 });
    if (v.status === 0 && /^nftables v/.test(v.stdout)) return full;
  }
  return undefined;
}

/** What a proxy mode needs from the machine, found by checkProxyMode. */
export interface ProxyModeTools {
  /** The `nft` binary (nftables mode only). */
  readonly nft?: string;
}

/**
 * Whether the proxy mode can be loaded into this kernel. IPVS needs the ip_vs module (/proc/net/ip_vs), and kubewire
 * does not render IPVS services for real yet; nftables needs the nft tool (whether the kernel takes the table, e.g.
 * has nft_fib and nft_numgen, shows when realize loads it with nft -f, and a refusal there rolls everything back).
 */
export function checkProxyMode(mode: ProxyMode, procRoot = '/proc', path = process.env['PATH'] ?? ''): ProxyModeTools {
  switch (mode) {
    case 'iptables':
      return {};
    case 'ipvs': {
      const has = existsSync(join(procRoot, 'net', 'ip_vs'));
      throw new RealizeError(
        'KW_REALIZE_UNSUPPORTED_MODE',
        has
          ? 'proxyMode ipvs cannot be realized yet: kubewire does not render kube-proxy\'s IPVS services; set proxyMode: iptables in the topology'
          : `proxyMode ipvs cannot be realized on this kernel: it has no IPVS (${join(procRoot, 'net', 'ip_vs')} is missing, so the ip_vs module is not available; even the dummy link type kube-proxy puts kube-ipvs0 on may be absent). Set proxyMode: iptables in the topology`,
      );
    }
    case 'nftables': {
      const nft = findNft(path);
      if (nft === undefined) {
        throw new RealizeError('KW_REALIZE_MISSING_TOOL', `proxyMode nftables loads each node's kube-proxy table with nft -f, but nft (nftables) was not found on PATH (${path}; node_modules directories skipped): install the nftables package, or set proxyMode: iptables in the topology`);
      }
      return { nft };
    }
    case 'userspace':
      throw new RealizeError('KW_REALIZE_UNSUPPORTED_MODE', 'proxyMode userspace cannot be realized: it needs a proxy process in every node; set proxyMode: iptables in the topology');
  }
}
