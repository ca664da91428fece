export { buildApp, type AppDeps } from './app.js';
export { listen, isLoopback, type ListenOptions, type RunningServer } from './listen.js';
export { writeKubeconfig, kubeconfigText } from './kubeconfig.js';
export { type TraceService, type TraceRequest, type RulesService } from './kubewire-services.js';
export { type WatchTimers, realTimers } from './routes/watch-stream.js';
export { statusOf } from './status.js';
export { toTable, type Table } from './table/table.js';
export { SERVER_VERSION } from './routes/discovery.js';
