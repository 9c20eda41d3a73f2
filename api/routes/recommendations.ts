import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ApiError } from '../errors.js';
import { EntityId, bearerSecurity, errorResponses } from '../http-schemas/common.js';

/**
 * GET /v1/users/:id/recommendations?k=10: the promoted model's top k for the user (popularity
 * while none is promoted), without items the user already purchased.
 */
export const recommendationRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { auth, recommender, purchases } = app.clients;

  app.get(
    '/v1/users/:id/recommendations',
    {
      onRequest: auth.hook('read'),
      schema: {
        tags: ['recommendations'],
        summary: 'Top-k recommendations for a user, excluding items they already purchased',
        security: auth.guarded('read') ? bearerSecurity : [],
        params: Type.Object({ id: EntityId }),
        querystring: Type.Object(
          { k: Type.Integer({ minimum: 1, maximum: 100, default: 10, description: 'how many items' }) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            user_id: Type.String(),
            k: Type.Integer(),
            model: Type.String({
              description: 'the model kind that produced the list (popularity, als, ...)',
            }),
            run_id: Type.Union([Type.String(), Type.Null()], {
              description: 'the training run of that model; null for live popularity',
            }),
            excluded_purchases: Type.Integer({
              description: 'items left out because the user purchased them',
            }),
            items: Type.Array(
              Type.Object({
                item_id: Type.String(),
                score: Type.Number(),
                model: Type.String(),
                run_id: Type.Union([Type.String(), Type.Null()]),
              }),
            ),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { id } = request.params;
      const { k } = request.query;
      let purchased;
      let result;
      try {
        purchased = await purchases.purchasedItems(id);
        result = await recommender.recommend(id, k, purchased);
      } catch (err) {
        request.log.warn({ err }, 'recommender failed');
        throw new ApiError(
          503,
          'unavailable',
          `no recommendations can be made right now: ${(err as Error).message}`,
        );
      }
      return {
        user_id: id,
        k,
        model: result.model,
        run_id: result.run_id,
        excluded_purchases: purchased.size,
        items: result.items.map((item) => ({ ...item, model: result.model, run_id: result.run_id })),
      };
    },
  );
};
