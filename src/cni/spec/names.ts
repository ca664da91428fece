import { CniCode, CniError } from '../errors.js';

/**
 * Name rules from pkg/utils/utils.go, with Go's exact codes and messages (the runtime checks them on ADD, the skel
 * on every verb that requires the variable). Each returns the error instead of throwing so callers can choose.
 */

const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
/** Linux IFNAMSIZ - 1. */
export const MAX_IFNAME_LENGTH = 15;

/**
 * The last name each rule accepted: one attachment's container ID, interface and network names are checked again by
 * the runtime and by every plugin of the chain (the skel checks its environment and config on each run).
 */
let lastContainerId = '';
let lastNetworkName = '';
let lastIfName = '';

export function validateContainerId(id: string): CniError | undefined {
  if (id === lastContainerId && id !== '') return undefined;
  if (id === '') return new CniError(CniCode.UnknownContainer, 'missing containerID');
  if (!NAME_RE.test(id)) return new CniError(CniCode.InvalidEnvironmentVariables, 'invalid characters in containerID', id);
  lastContainerId = id;
  return undefined;
}

export function validateNetworkName(name: string): CniError | undefined {
  if (name === lastNetworkName && name !== '') return undefined;
  // Go's text really has the trailing colon.
  if (name === '') return new CniError(CniCode.InvalidNetworkConfig, 'missing network name:');
  if (!NAME_RE.test(name)) return new CniError(CniCode.InvalidNetworkConfig, 'invalid characters found in network name', name);
  lastNetworkName = name;
  return undefined;
}

export function validateIfName(ifName: string): CniError | undefined {
  if (ifName === lastIfName && ifName !== '') return undefined;
  const err = checkIfName(ifName);
  if (err === undefined) lastIfName = ifName;
  return err;
}

function checkIfName(ifName: string): CniError | undefined {
  const bytes = Buffer.byteLength(ifName, 'utf8');
  if (bytes === 0) return new CniError(CniCode.InvalidEnvironmentVariables, 'interface name is empty');
  if (bytes > MAX_IFNAME_LENGTH) {
    return new CniError(CniCode.InvalidEnvironmentVariables, 'interface name is too long', `interface name should be less than ${MAX_IFNAME_LENGTH + 1} characters`);
  }
  if (ifName === '.' || ifName === '..') return new CniError(CniCode.InvalidEnvironmentVariables, 'interface name is . or ..');
  if (/[/:\s]/u.test(ifName)) return new CniError(CniCode.InvalidEnvironmentVariables, 'interface name contains / or : or whitespace characters');
  return undefined;
}

/**
 * Parse CNI_ARGS `K=V;K=V` strictly, as pkg/types/args.go LoadArgs splits it: an entry without "=" is
 * `ARGS: invalid pair "X"`. An empty string is no pairs. Unknown-key policy (IgnoreUnknown) is the plugin's business.
 */
export function parseCniArgs(text: string): Array<readonly [string, string]> {
  if (text === '') return [];
  const out: Array<readonly [string, string]> = [];
  for (const pair of text.split(';')) {
    const kv = pair.split('=');
    if (kv.length !== 2) throw new CniError(CniCode.Internal, `ARGS: invalid pair "${pair}"`);
    out.push([kv[0] ?? '', kv[1] ?? '']);
  }
  return out;
}

/** Join pairs the way libcni's invoke.Args does (no escaping: values must not contain ";" or "="). */
export function formatCniArgs(pairs: readonly (readonly [string, string])[]): string {
  return pairs.map(([k, v]) => `${k}=${v}`).join(';');
}
