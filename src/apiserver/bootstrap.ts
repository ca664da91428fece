import { registeredResource } from '../api/index.js';
import type { ApiServer } from './api-server.js';
import { isApiError } from './errors.js';

/** The namespaces every cluster starts with (kube-apiserver's system namespaces controller creates them). */
export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'] as const;

export async function bootstrapNamespaces(api: ApiServer): Promise<void> {
  const ns = registeredResource('', 'namespaces');
  for (const name of SYSTEM_NAMESPACES) {
    try {
      await api.create(ns, '', { metadata: { name } });
    } catch (e) {
      if (!(isApiError(e) && e.status.code === 409)) throw e;
    }
  }
}
