export { Kubelet, type KubeletOptions, type EventType } from './kubelet.js';
export { type HostPortMapping, type PodNetwork, type Sandbox, type SandboxRequest } from './pod-network.js';
export { nodeLabels, nodeObject, healthyConditions, KUBELET_VERSION, type NodeRegistration } from './node-object.js';
export { evaluateReadiness, READINESS_ANNOTATION, type ProbeResult } from './probes.js';
export { serviceEnvVars, podServiceEnv, type EnvVar } from './envvars.js';
