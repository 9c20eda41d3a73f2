import multipart from '@fastify/multipart';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { parseColumnMap } from '../../schemas/normalise/index.js';
import { ApiError } from '../errors.js';
import { bearerSecurity, errorResponses } from '../http-schemas/common.js';
import { UPLOAD_KINDS } from '../ports.js';

/**
 * POST /v1/uploads/{interactions|items|users}: a multipart/form-data body with one file part
 * (CSV, JSON array or NDJSON), streamed into replay's programmatic entry point as it arrives —
 * never held in memory or on disk — and answered with replay's quality report.
 */
export const uploadRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { deps, auth, settings } = app.clients;

  // Multipart parsing only in this scope: every other route accepts JSON alone.
  await app.register(multipart, {
    limits: {
      fileSize: settings.uploadLimitBytes,
      files: 1,
      fields: 10,
      parts: 11,
      fieldSize: 64 * 1024,
      headerPairs: 100,
    },
  });

  app.post(
    '/v1/uploads/:kind',
    {
      onRequest: auth.hook('write'),
      config: settings.expensiveRateLimit
        ? {
            rateLimit: {
              max: settings.expensiveRateLimit.max,
              timeWindow: settings.expensiveRateLimit.timeWindowMs,
            },
          }
        : {},
      schema: {
        tags: ['ingestion'],
        summary:
          'Upload a CSV/JSON/NDJSON file; it is replayed onto the topic and its quality report returned',
        description:
          'multipart/form-data with one file part. The file is streamed through the replay path ' +
          '(same validation, dead letters and deterministic event ids as `recostream replay`). ' +
          `At most ${settings.uploadLimitBytes} bytes.`,
        consumes: ['multipart/form-data'],
        security: auth.guarded('write') ? bearerSecurity : [],
        params: Type.Object({ kind: Type.Union(UPLOAD_KINDS.map((k) => Type.Literal(k))) }),
        querystring: Type.Object(
          {
            dry_run: Type.Optional(Type.Boolean({ description: 'validate and report without producing' })),
            format: Type.Optional(
              Type.Union([Type.Literal('csv'), Type.Literal('json'), Type.Literal('ndjson')]),
            ),
            map: Type.Optional(Type.String({ description: 'column mapping like replay --map: a=b,c=d' })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({}, { additionalProperties: true, description: 'the replay quality report' }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const replayer = deps.uploads;
      if (!replayer) {
        throw new ApiError(
          503,
          'unavailable',
          'uploads are not available in this process (no replay service is wired)',
        );
      }
      if (!request.isMultipart()) {
        throw new ApiError(
          415,
          'unsupported_media_type',
          'uploads are multipart/form-data with one file part',
          'content-type',
        );
      }
      let columnMap: Record<string, string> | undefined;
      if (request.query.map !== undefined) {
        try {
          columnMap = parseColumnMap(request.query.map);
        } catch (err) {
          throw new ApiError(400, 'validation_failed', (err as Error).message, 'map');
        }
      }
      const file = await request.file();
      if (!file) throw new ApiError(400, 'validation_failed', 'the multipart body has no file part', 'file');
      const report = await replayer.replay({
        kind: request.params.kind,
        content: file.file,
        fileName: file.filename || `upload.${request.query.format ?? 'csv'}`,
        format: request.query.format,
        dryRun: request.query.dry_run ?? false,
        columnMap,
      });
      if (file.file.truncated) {
        throw new ApiError(
          413,
          'payload_too_large',
          `the file is larger than the upload limit of ${settings.uploadLimitBytes} bytes`,
          'file',
        );
      }
      if (report.status === 'failed') {
        // The records read before the failure stay produced; event ids are deterministic, so
        // uploading the file again does not count them twice.
        throw new ApiError(503, 'unavailable', String(report.message));
      }
      return report;
    },
  );
};
