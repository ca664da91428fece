// The real-kernel suite: root, real network namespaces named kw-*, serial.
export default {
  files: ['test/real/**/*.test.ts'],
  extensions: { ts: 'module' },
  nodeArguments: ['--import=./scripts/ts-node-register.mjs', '--no-warnings'],
  serial: true,
  concurrency: 1,
  timeout: '5m',
  workerThreads: false,
};
