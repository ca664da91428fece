import { isIPv6 } from 'node:net';
import { tryParseIp4 } from '../../addr/index.js';

export function isValidIp(s: string): boolean {
  // Endpoint addresses are checked on every EndpointSlice write: remember the valid ones (bounded).
  if (validIps.has(s)) return true;
  const ok = tryParseIp4(s) !== undefined || isIPv6(s);
  if (ok) {
    if (validIps.size >= 262_144) validIps.clear();
    validIps.add(s);
  }
  return ok;
}

const validIps = new Set<string>();

export const IP_MESSAGE = 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)';
