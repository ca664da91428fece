/**
 * The chains the kubelet itself keeps on every node (kubelet_network_linux.go, 1.28+): the
 * canaries it watches to notice a flushed table and the `KUBE-IPTABLES-HINT` chain that tells
 * kube-proxy which iptables backend is in use. Its KUBE-FIREWALL chain is identical to the copy
 * kube-proxy ensures (kube-proxy checks with `iptables -C` first), so it comes from kube-proxy.
 */
export const KUBELET_RULES = `*mangle
:KUBE-IPTABLES-HINT - [0:0]
:KUBE-KUBELET-CANARY - [0:0]
COMMIT
*nat
:KUBE-KUBELET-CANARY - [0:0]
COMMIT
*filter
:KUBE-KUBELET-CANARY - [0:0]
COMMIT
`;
