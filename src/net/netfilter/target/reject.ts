import type { Target } from '../types.js';
import { TR } from '../types.js';
import { single } from '../match/module.js';
import type { TargetModule } from './module.js';

/** Accepted spellings (libipt_REJECT) → the name iptables-save prints. */
const TYPES: Readonly<Record<string, string>> = {
  'icmp-net-unreachable': 'icmp-net-unreachable',
  'net-unreach': 'icmp-net-unreachable',
  'icmp-host-unreachable': 'icmp-host-unreachable',
  'host-unreach': 'icmp-host-unreachable',
  'icmp-proto-unreachable': 'icmp-proto-unreachable',
  'proto-unreach': 'icmp-proto-unreachable',
  'icmp-port-unreachable': 'icmp-port-unreachable',
  'port-unreach': 'icmp-port-unreachable',
  'icmp-net-prohibited': 'icmp-net-prohibited',
  'net-prohib': 'icmp-net-prohibited',
  'icmp-host-prohibited': 'icmp-host-prohibited',
  'host-prohib': 'icmp-host-prohibited',
  'icmp-admin-prohibited': 'icmp-admin-prohibited',
  'admin-prohib': 'icmp-admin-prohibited',
  'tcp-reset': 'tcp-reset',
  'tcp-rst': 'tcp-reset',
};

/** `-j REJECT [--reject-with TYPE]` (default icmp-port-unreachable; tcp-reset needs `-p tcp`). */
export const rejectTarget: TargetModule = {
  name: 'REJECT',
  options: { 'reject-with': 1 },
  hooks: ['INPUT', 'FORWARD', 'OUTPUT'],
  build(opts, b): Target {
    const o = single(opts, b).get('reject-with');
    const given = o?.values[0] ?? 'icmp-port-unreachable';
    const type = TYPES[given];
    if (type === undefined) return b.fail(`REJECT: unknown reject type "${given}"`);
    if (type === 'tcp-reset' && b.proto !== 6) b.fail('REJECT: TCP RST can only be used with -p tcp');
    return { name: 'REJECT', goto: false, saveArgs: ['--reject-with', type], rejectWith: type, apply: () => TR.Reject };
  },
};
