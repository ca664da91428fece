import { writeFile } from 'node:fs/promises';
import { stringify } from 'yaml';

/** A kubeconfig with one cluster, user and context named "kubewire", for kubectl --kubeconfig. */
export function kubeconfigText(server: string, token?: string): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'kubewire', cluster: { server } }],
    users: [{ name: 'kubewire', user: token === undefined ? {} : { token } }],
    contexts: [{ name: 'kubewire', context: { cluster: 'kubewire', user: 'kubewire', namespace: 'default' } }],
    'current-context': 'kubewire',
    preferences: {},
  });
}

/** Writes the kubeconfig with mode 0600, as it may hold a token. */
export async function writeKubeconfig(path: string, server: string, token?: string): Promise<void> {
  await writeFile(path, kubeconfigText(server, token), { mode: 0o600 });
}
