import type { FastifyInstance } from 'fastify';
import { fieldError, isJsonObject } from '../../api/index.js';
import { ApiError, apiErrors } from '../../apiserver/index.js';

const GROUP = 'authorization.k8s.io';

/**
 * SelfSubjectAccessReview (`kubectl auth can-i`): kubewire's server authorizes every request it
 * authenticates, as kube-apiserver with --authorization-mode=AlwaysAllow does, so every review that
 * names exactly one of resourceAttributes or nonResourceAttributes is answered allowed. Nothing is stored.
 */
export function accessReviewRoutes(app: FastifyInstance): void {
  app.post(`/apis/${GROUP}/v1/selfsubjectaccessreviews`, async (req, reply) => {
    const body = req.body;
    if (!isJsonObject(body)) throw apiErrors.badRequest('the body of the request must be a SelfSubjectAccessReview object');
    const { apiVersion, kind } = body;
    if (apiVersion !== undefined && apiVersion !== `${GROUP}/v1`) {
      throw apiErrors.badRequest(`the API version in the data (${String(apiVersion)}) does not match the expected API version (${GROUP}/v1)`);
    }
    if (kind !== undefined && kind !== 'SelfSubjectAccessReview') {
      throw apiErrors.badRequest(`the kind in the data (${String(kind)}) does not match the expected kind (SelfSubjectAccessReview)`);
    }
    const spec = isJsonObject(body['spec']) ? body['spec'] : {};
    const resource = isJsonObject(spec['resourceAttributes']);
    const nonResource = isJsonObject(spec['nonResourceAttributes']);
    // ValidateSelfSubjectAccessReviewSpec: exactly one of the two.
    const err =
      resource && nonResource
        ? fieldError.invalid('spec.nonResourceAttributes', spec['nonResourceAttributes'], 'cannot be specified in combination with resourceAttributes')
        : !resource && !nonResource
          ? fieldError.invalidShown('spec.resourceAttributes', '"null"', 'exactly one of nonResourceAttributes or resourceAttributes must be specified')
          : undefined;
    if (err !== undefined) {
      throw new ApiError(422, 'Invalid', `SelfSubjectAccessReview.${GROUP} "" is invalid: ${err.field}: ${err.message}`, {
        group: GROUP,
        kind: 'SelfSubjectAccessReview',
        causes: [{ reason: err.reason, message: err.message, field: err.field }],
      });
    }
    const metadata = isJsonObject(body['metadata']) ? body['metadata'] : {};
    return reply.code(201).send({ apiVersion: `${GROUP}/v1`, kind: 'SelfSubjectAccessReview', metadata, spec, status: { allowed: true } });
  });
}
