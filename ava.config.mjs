// The hermetic suite: no root, no real network namespaces, runs in parallel.
export default {
  files: ['test/**/*.test.ts', '!test/real/**'],
  extensions: { ts: 'module' },
  nodeArguments: ['--import=./scripts/ts-node-register.mjs', '--no-warnings'],
  timeout: '2m',
  workerThreads: false,
};
