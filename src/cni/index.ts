// Public surface of the CNI contract: spec types and schemas, the plugin side (skel) and the runtime side (invoke).
export { CniCode, type CniCodeName, CNI_CODE_SINCE, CniError, isCniError, isTransientCniCode, asCniErrorObject, type CniErrorObject } from './errors.js';
export {
  SPEC_VERSIONS, type SpecVersion, CURRENT_VERSION, type CniCommand, CNI_COMMANDS, type ResultFamily, type VersionFeatures,
  VERSION_FEATURES, isSpecVersion, resultFamilyOf, verbSince, parseVersion, compareVersions, versionGte, versionHasVerb, VersionParseError,
} from './spec/versions.js';
export type {
  CniResult, Result020, Result040, Result100, IpConfig020, IpConfig040, IpConfig100, Interface040, Interface100, Route, Dns,
  VersionInfo, GcAttachment, StatusAnswer,
} from './spec/result-types.js';
export { isResult020, isResult040, isResult100 } from './spec/result-types.js';
export type {
  JsonValue, JsonObject, PluginConfObject, WellKnownPluginKeys, NetworkConfigList, PluginRequestConfig, PortMapping, IpRange,
  BandwidthEntry, KnownCapabilityArgs, CapabilityArgs, RuntimeConf, GcArgs,
} from './spec/config-types.js';
export { KNOWN_CAPABILITIES } from './spec/config-types.js';
export {
  resultSchema, confListSchema, pluginObjectSchema, singleConfSchema, requestConfigSchema, versionInfoSchema, errorObjectSchema,
  CNI_NAME_PATTERN, type SchemaOptions,
} from './spec/schemas.js';
export { validateAgainst, formatViolations, jsonPathJoin, pointerToJsonPath, type SchemaViolation } from './spec/validate.js';
export { parseResult, checkResult, resultSemantics, encodeResult, type EncodeOptions } from './spec/result.js';
export { convertResult, hasConverter } from './spec/convert.js';
export { validateContainerId, validateNetworkName, validateIfName, parseCniArgs, formatCniArgs, MAX_IFNAME_LENGTH } from './spec/names.js';
export { isIpText, isCidrText, ipFamilyOf } from './spec/ip-text.js';

export { runPlugin, type PluginIo } from './skel/run-plugin.js';
export type { CniPlugin, CmdArgs, GcArgs as PluginGcArgs, PluginInfo } from './skel/plugin.js';
export { SKEL_ENV_TABLE, readEnvArgs, type EnvVarName, type EnvVarRule, type EnvArgs } from './skel/env.js';
export { parsePrevResult, requirePrevResult } from './skel/prev-result.js';
export { nodeProcessIo } from './skel/node-io.js';

export { CniRuntime, type CniRuntimeOptions } from './invoke/runtime.js';
export { type PluginInvoker, type RawInvocation, type InvokeOptions, PluginNotFoundError } from './invoke/invoker.js';
export { ExecInvoker } from './invoke/exec.js';
export { InProcessInvoker, type RegisteredPlugin } from './invoke/in-process.js';
export { CniPluginError, CniTimeoutError, failureToErrorObject, decodeAddResult } from './invoke/outcome.js';
export { type ResultCache, type CachedAttachment, type AttachmentKey, MemoryResultCache, CacheCorruptError, cacheFileName } from './invoke/cache.js';
export { FileResultCache } from './invoke/file-cache.js';
export { buildRequest, buildRequestJson, runtimeConfigFor, type RequestParts } from './invoke/request.js';
export { parseConfList, confListFromJson, confListFromSingleConf, loadConfListFile, loadNetworkConf, selectListVersion } from './invoke/conflist.js';
export { decodeVersionInfo } from './invoke/version-info.js';

export { lintConfLists, lintConfListFiles, formatFindings, hasErrors, type LintFinding, type LintOptions, type Severity } from './lint.js';
export { runCniLintCommand, type LintCommandIo } from './lint-command.js';

export { Delegator } from './plugin-host/delegate.js';
export { type HostFiles, type HostFilesNow, NodeFiles, MemoryFiles } from './plugin-host/files.js';
export { type PluginHost, randomVethName, fnv32Hex } from './plugin-host/host.js';

export { Sandbox, leftovers, type Snapshot } from './validate/index.js';
export { validatePlugin, reportToJson, reportToText, reportHasErrors, type ValidateOptions, type Finding, type FindingSeverity, type Evidence, type ValidationReport } from './validate/index.js';
