import { isIPv6 } from 'node:net';
import { tryParseIp4 } from '../../addr/index.js';

export function isValidIp(s: string): boolean {
  // Endpoint addresses are checked on every EndpointSlice write: canonical dotted quads pass on a regex,
  // anything else takes the full parse.
  return CANONICAL_IP4.test(s) || tryParseIp4(s) !== undefined || isIPv6(s);
}

/** Canonical dotted-quad text (0-255, no leading zeros), which the full parse accepts. */
const CANONICAL_IP4 = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export const IP_MESSAGE = 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)';
