import type { Kernel } from '../../src/kernel/index.js';
import { q } from './common.js';

/**
 * ip.SetupIPMasq as one iptables-restore --noflush transaction: chain `chain` in nat accepts traffic to the pod's own
 * network and masquerades the rest but multicast; POSTROUTING sends the pod's address there. AppendUnique: the jump is
 * added only when absent, the chain is rewritten whole.
 */
export async function setupIpMasq(kernel: Kernel, address: string, chain: string, comment: string): Promise<void> {
  const [ip = ''] = address.split('/');
  if (ip.includes(':')) return; // iptables only: ip6tables masquerading is not modelled
  const save = await kernel.iptables.save('', 'nat');
  const lines = ['*nat', `:${chain} - [0:0]`,
    ['-A', chain, '-d', networkText(address), '-m', 'comment', '--comment', comment, '-j', 'ACCEPT'].map(q).join(' '),
    ['-A', chain, '!', '-d', '224.0.0.0/4', '-m', 'comment', '--comment', comment, '-j', 'MASQUERADE'].map(q).join(' ')];
  if (!jumps(save, chain).some((l) => l.startsWith(`-A POSTROUTING -s ${ip}/32 `))) {
    lines.push(['-A', 'POSTROUTING', '-s', `${ip}/32`, '-m', 'comment', '--comment', comment, '-j', chain].map(q).join(' '));
  }
  lines.push('COMMIT', '');
  await kernel.iptables.restore('', lines.join('\n'), { noflush: true });
}

/**
 * ip.TeardownIPMasq, made independent of the addresses: every POSTROUTING jump to the chain goes, then the chain.
 * Upstream finds the addresses on the container link, so a second DEL after a half-done first one leaks the chain.
 */
export async function teardownIpMasq(kernel: Kernel, chain: string): Promise<void> {
  const save = await kernel.iptables.save('', 'nat');
  const lines = ['*nat', ...jumps(save, chain).map((l) => `-D${l.slice(2)}`)];
  if (save.split('\n').some((l) => l.startsWith(`:${chain} `))) lines.push(`-F ${chain}`, `-X ${chain}`);
  if (lines.length === 1) return;
  lines.push('COMMIT', '');
  await kernel.iptables.restore('', lines.join('\n'), { noflush: true });
}

function jumps(save: string, chain: string): string[] {
  return save.split('\n').filter((l) => l.startsWith('-A POSTROUTING ') && l.endsWith(` -j ${chain}`));
}

function networkText(address: string): string {
  const [ip = '', len = '32'] = address.split('/');
  const n = ip.split('.').reduce((a, o) => (a << 8) + Number(o), 0) >>> 0;
  const p = Number(len);
  const m = p === 0 ? 0 : (0xffffffff << (32 - p)) >>> 0;
  const net = (n & m) >>> 0;
  return `${[24, 16, 8, 0].map((s) => (net >>> s) & 255).join('.')}/${p}`;
}
