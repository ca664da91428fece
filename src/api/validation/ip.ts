import { isIPv6 } from 'node:net';
import { tryParseIp4 } from '../../addr/index.js';

export function isValidIp(s: string): boolean {
  return tryParseIp4(s) !== undefined || isIPv6(s);
}

export const IP_MESSAGE = 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)';
