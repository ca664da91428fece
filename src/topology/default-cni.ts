/**
 * The CNI configuration used when a topology names no conflist (identical to
 * topologies/cni/bridge.conflist): bridge cni0 as the pods' gateway, no masquerade, hairpin off,
 * host-local IPAM, then portmap for hostPorts.
 *
 * host-local has no "use the node's podCIDR" keyword (its `ranges` subnets must parse as CIDRs).
 * The CNI way is the `ipRanges` capability: the runtime (containerd, CRI-O; here the kubelet)
 * passes `runtimeConfig.ipRanges: [[{"subnet": "<node podCIDR>"}]]`, which host-local prepends
 * to its `ranges` (plugins/ipam/host-local/backend/allocator/config.go), so `ranges` can be empty.
 * The default route comes from `routes`, because bridge's isGateway alone adds none in the pod.
 */
export const DEFAULT_CONFLIST = Object.freeze({
  cniVersion: '1.0.0',
  name: 'kubewire',
  plugins: [
    {
      type: 'bridge',
      bridge: 'cni0',
      isGateway: true,
      ipMasq: false,
      hairpinMode: false,
      capabilities: { ipRanges: true },
      ipam: {
        type: 'host-local',
        routes: [{ dst: '0.0.0.0/0' }],
      },
    },
    {
      type: 'portmap',
      capabilities: { portMappings: true },
      snat: true,
    },
  ],
} as const);
