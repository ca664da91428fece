// Realizing a topology in real network namespaces, and verifying emulated traces against the real kernel.
export { realize, down, OWN_CNI_PATH, type RealizeOptions, type RealizeProgress } from './realize.js';
export { teardown, cleanupAll, leftovers, type TeardownReport } from './teardown.js';
export { StateStore, stateDir, type RealizedState, type RealPod } from './state.js';
export { prefixFor, realNames, checkPrefix, ownedBy, type RealNames } from './names.js';
export { RealizeError, preflight, checkProxyMode, findTool, findNft, REQUIRED_TOOLS, type ProxyModeTools } from './preflight.js';
export { sysctlsFor, type NetnsRole } from './sysctls.js';
export { nodeConfList, resultIp4 } from './pods.js';
export { verify, type VerifyOptions, type VerifyReport, type ProbeReport } from './verify.js';
export { candidateProbes, pickProbes, parseGivenProbe, coverageKey, type ProbeSpec, type ProbeKind } from './probes.js';
export { classify, compareProbe, summarizePath, realRules, ruleDiff, type RealOutcome, type PathSummary, type RuleLists, type Disagreement } from './compare.js';
export { parseTraceLine, TRACE_RULES, type TraceEvent } from './monitor.js';
export { TraceStream, probeEvents, parsePacketLine, isSentinel, SENTINEL_PORT_BASE, type StreamEntry, type PacketLine, type AttributedEvent } from './trace-stream.js';
export { chiSquareTest, upperGammaQ, type ChiSquareResult } from './chi-square.js';
export type { DistributionResult } from './distribution.js';
export { renderVerifyReport, verifyReportJson, renderRealized } from './render.js';
