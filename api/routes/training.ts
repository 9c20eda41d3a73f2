import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { MODEL_KINDS } from '../../training/models/index.js';
import { ApiError } from '../errors.js';
import { wholeRecord } from '../http-schemas/avro-json.js';
import { bearerSecurity, errorResponses } from '../http-schemas/common.js';
import type { TrainerClient } from '../ports.js';
import type { TrainingRun } from '../../schemas/types.js';

/**
 * Training runs: trigger one, list them, read one. Every route needs API_KEY (training is an
 * admin action and run records describe the data). Answers 503 while no trainer is wired.
 */

const TrainingRunSchema = Type.Unsafe<TrainingRun>(wholeRecord('TrainingRun'));

/** Most folds a triggered run may ask for. */
export const MAX_FOLDS = 100;

function trainerOrUnavailable(trainer: TrainerClient | null): TrainerClient {
  if (!trainer) {
    throw new ApiError(
      503,
      'unavailable',
      'no trainer is running in this deployment (start `recostream trainer`, or `recostream up`, to train models)',
    );
  }
  return trainer;
}

/** A trainer in another process may be down: its 503 (statusCode on the error) stays a 503 with its reason. */
async function callTrainer<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof Error && (err as Error & { statusCode?: number }).statusCode === 503) {
      throw new ApiError(503, 'unavailable', err.message);
    }
    throw err;
  }
}

export const trainingRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { deps, auth, settings } = app.clients;
  const security = auth.guarded('write') ? bearerSecurity : [];

  app.post(
    '/v1/training/runs',
    {
      onRequest: auth.hook('write'),
      // A trigger without a body (curl -X POST) means "the defaults", not a validation error.
      preValidation: (request, _reply, done) => {
        if (request.body === undefined || request.body === null) request.body = {};
        done();
      },
      config: settings.expensiveRateLimit
        ? {
            rateLimit: {
              max: settings.expensiveRateLimit.max,
              timeWindow: settings.expensiveRateLimit.timeWindowMs,
            },
          }
        : {},
      schema: {
        tags: ['training'],
        summary: 'Start a training run now (a manual trigger)',
        description:
          'Answers 202 with the run to follow: running when the trainer was idle, or queued while a run is in ' +
          'progress (every trigger during that run joins one queued run: the same run_id). 409 only from a ' +
          'TrainerClient that refuses while a run is in progress; 503 while no trainer answers.',
        security,
        body: Type.Object(
          {
            model: Type.Optional(
              Type.Union(
                MODEL_KINDS.map((m) => Type.Literal(m)),
                {
                  description:
                    "one model kind besides the popularity baseline (default: the trainer's, all unless configured)",
                },
              ),
            ),
            reason: Type.Optional(Type.String({ maxLength: 500 })),
            protocol: Type.Optional(
              Type.Union([Type.Literal('temporal'), Type.Literal('kfold')], {
                description: "evaluation protocol (default: the trainer's, temporal unless configured)",
              }),
            ),
            // Bounded: every fold is a fit of every model and a copy of the event index.
            folds: Type.Optional(
              Type.Integer({
                minimum: 2,
                maximum: MAX_FOLDS,
                description:
                  "folds of the kfold protocol (default: the trainer's, 5 unless configured; a temporal run has none)",
              }),
            ),
            seed: Type.Optional(
              Type.Integer({
                minimum: 0,
                maximum: Number.MAX_SAFE_INTEGER,
                description:
                  "random seed: the same snapshot and seed give the same model (default: the trainer's, 0 unless configured)",
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: {
          202: Type.Object({ run: TrainingRunSchema }),
          409: Type.Object({
            error: Type.String(),
            field: Type.Null(),
            reason: Type.String(),
            running: Type.Union([TrainingRunSchema, Type.Null()]),
          }),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const trainer = trainerOrUnavailable(deps.trainer);
      const { model, reason, protocol, folds, seed } = request.body;
      const outcome = await callTrainer(() => trainer.trigger({ model, reason, protocol, folds, seed }));
      if (!outcome.accepted) {
        return reply
          .code(409)
          .send({ error: 'conflict', field: null, reason: outcome.reason, running: outcome.running });
      }
      return reply.code(202).send({ run: outcome.run });
    },
  );

  app.get(
    '/v1/training/runs',
    {
      onRequest: auth.hook('write'),
      schema: {
        tags: ['training'],
        summary: 'Training runs, newest first',
        security,
        querystring: Type.Object(
          { limit: Type.Integer({ minimum: 1, maximum: 1000, default: 50 }) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ runs: Type.Array(TrainingRunSchema) }), ...errorResponses },
      },
    },
    async (request) => {
      const trainer = trainerOrUnavailable(deps.trainer);
      return { runs: await callTrainer(() => trainer.listRuns({ limit: request.query.limit })) };
    },
  );

  app.get(
    '/v1/training/runs/:id',
    {
      onRequest: auth.hook('write'),
      schema: {
        tags: ['training'],
        summary: 'One training run',
        security,
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) }),
        response: { 200: TrainingRunSchema, ...errorResponses },
      },
    },
    async (request) => {
      const trainer = trainerOrUnavailable(deps.trainer);
      const run = await callTrainer(() => trainer.getRun(request.params.id));
      if (!run) throw new ApiError(404, 'not_found', `no training run "${request.params.id}"`, 'id');
      return run;
    },
  );
};
