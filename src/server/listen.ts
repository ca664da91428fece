import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { InputError } from '../lib/index.js';
import { buildApp, type AppDeps } from './app.js';

export interface ListenOptions {
  /** 127.0.0.1 by default. Any address that is not loopback requires `token`. */
  readonly host?: string;
  /** 0 (an ephemeral port) by default. */
  readonly port?: number;
  readonly token?: string;
}

export interface RunningServer {
  readonly app: FastifyInstance;
  /** "http://127.0.0.1:43121" */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/**
 * Builds and starts the server. Loopback needs no credentials (like a kubeconfig for a local
 * cluster); anything else refuses to start without a bearer token (KW_SERVER_TOKEN_REQUIRED), and then
 * every request without it gets 401.
 */
export async function listen(deps: Omit<AppDeps, 'token'>, opts: ListenOptions = {}): Promise<RunningServer> {
  const host = opts.host ?? '127.0.0.1';
  if (!isLoopback(host) && (opts.token === undefined || opts.token === '')) {
    throw new InputError('KW_SERVER_TOKEN_REQUIRED', `refusing to listen on ${host} without a bearer token: only loopback addresses may be served without one`, {
      where: '--address',
    });
  }
  const app = buildApp({ ...deps, ...(opts.token === undefined || opts.token === '' ? {} : { token: opts.token }) });
  await app.listen({ host, port: opts.port ?? 0 });
  const addr = app.server.address() as AddressInfo;
  const hostText = host.includes(':') ? `[${host}]` : host;
  return { app, url: `http://${hostText}:${addr.port}`, port: addr.port, close: () => app.close() };
}
