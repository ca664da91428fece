import type { MessageTable } from '../schema.js';

/**
 * Field tables (policy/v1) in the notation of schema.ts, read from k8s.io/api policy/v1/generated.proto:
 * the Eviction that `kubectl drain` posts to pods/<name>/eviction through its typed client.
 */
export const POLICY_MESSAGES = {
  Eviction: {
    1: 'metadata:ObjectMeta',
    2: 'deleteOptions:DeleteOptions',
  },
} as const satisfies MessageTable;
