/**
 * Kubernetes-style generated names. The real controllers use random suffixes from this
 * alphabet (no vowels, no confusable characters: apimachinery's rand.String); ours hash the
 * owner and index, so the same topology always yields the same pod names.
 */
const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

export function fnv32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

export function safeSuffix(seed: string, length: number): string {
  let out = '';
  let h = fnv32(seed);
  for (let i = 0; i < length; i++) {
    if (i % 5 === 0 && i > 0) h = fnv32(`${seed}#${i}`);
    out += ALPHABET[h % ALPHABET.length] ?? 'b';
    h = Math.floor(h / ALPHABET.length);
  }
  return out;
}

/** The `pod-template-hash` a Deployment's ReplicaSet carries (10 characters). */
export function podTemplateHash(namespace: string, deployment: string): string {
  return safeSuffix(`${namespace}/${deployment}/template`, 10);
}

/** `web-5d4f8c7b9d-x2k4p` */
export function replicaPodName(owner: string, ownerKey: string, index: number): string {
  return `${owner}-${safeSuffix(`${ownerKey}/${index}`, 5)}`;
}

/** `veth` + 8 hex characters, as the CNI plugins' RandomVethName; ours derives from the container id. */
export function hostVethName(containerKey: string): string {
  return `veth${fnv32(containerKey).toString(16).padStart(8, '0')}`;
}
