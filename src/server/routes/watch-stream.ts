import { PassThrough } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { KubeObject } from '../../api/index.js';
import { isApiError, watchResource, type WatchEvent, type WatchOptions } from '../../apiserver/index.js';
import type { Clock } from '../../lib/index.js';
import { statusOf } from '../status.js';
import { toTable } from '../table/table.js';
import { intParam, queryOf, wantsTable, type ResourceLocation } from '../request.js';
import type { ApiServer } from '../../apiserver/index.js';

/** Timers are injected so tests end a watch (timeoutSeconds) without waiting on the wall clock. */
export interface WatchTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: WatchTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

/**
 * `?watch=true`: a chunked stream of newline-separated JSON WatchEvents, as the real API server
 * writes them. With a Table Accept header each event's object is a one-row Table; the first one
 * carries the column definitions and later ones none, which is what `kubectl get -w` prints from.
 * A too-old resourceVersion is reported in-stream as an ERROR event holding a 410 Status.
 */
export async function serveWatch(
  req: FastifyRequest,
  reply: FastifyReply,
  deps: { api: ApiServer; clock: Clock; timers: WatchTimers },
  loc: ResourceLocation,
  opts: WatchOptions,
): Promise<FastifyReply> {
  const stream = new PassThrough();
  const table = wantsTable(req);
  let sentHeaders = false;
  const write = (ev: WatchEvent): void => {
    let object: unknown = ev.object;
    if (table && ev.type !== 'ERROR' && ev.type !== 'BOOKMARK') {
      object = toTable(loc.r.kind, [ev.object as KubeObject], { nowMs: deps.clock.now(), noHeaders: sentHeaders });
      sentHeaders = true;
    }
    stream.write(`${JSON.stringify({ type: ev.type, object })}\n`);
  };
  let stop = (): void => undefined;
  let timer: unknown;
  const end = (): void => {
    stop();
    if (timer !== undefined) deps.timers.clearTimeout(timer);
    timer = undefined;
    if (!stream.writableEnded) stream.end();
  };
  try {
    const handle = await watchResource(deps.api, loc.r, loc.namespace, opts, write);
    stop = () => handle.stop();
  } catch (e) {
    if (!isApiError(e) || e.status.code !== 410) throw e;
    write({ type: 'ERROR', object: statusOf(e) as unknown as Record<string, unknown> });
    stream.end();
  }
  const seconds = intParam(queryOf(req), 'timeoutSeconds');
  if (seconds !== undefined && seconds > 0 && !stream.writableEnded) timer = deps.timers.setTimeout(end, seconds * 1000);
  reply.raw.on('close', end);
  // Node sends response headers with the first body byte; a quiet watch would leave the client waiting
  // for them (client-go's Watch() blocks until headers arrive). Flush them at once, as the real server does.
  reply.raw.once('pipe', () => reply.raw.flushHeaders());
  return reply.code(200).type('application/json').header('cache-control', 'no-cache, private').send(stream);
}
