import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../apiserver/index.js';
import { sendStatus } from './status.js';

/** Bearer-token authentication, as kube-apiserver's --token-auth-file does for one user: 401 without it. */
export function bearerAuth(app: FastifyInstance, token: string): void {
  const expected = Buffer.from(`Bearer ${token}`);
  app.addHook('onRequest', async (req, reply) => {
    const got = Buffer.from(req.headers.authorization ?? '');
    if (got.length !== expected.length || !timingSafeEqual(got, expected)) {
      return sendStatus(reply, new ApiError(401, 'Unauthorized', 'Unauthorized').status);
    }
    return undefined;
  });
}
