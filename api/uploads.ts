import type { Logger } from '../lib/logger.js';
import { replayFile } from '../replay/index.js';
import type { ReplaySink } from '../replay/sink.js';
import type { QualityReport, UploadReplayer, UploadRequest } from './ports.js';

/**
 * Uploads through replay's programmatic entry point (`replayFile` with a stream input): the same
 * reading, validation, dead letters and report as `recostream replay`.
 */
export function replayUploads(sink: ReplaySink, logger: Logger): UploadReplayer {
  return {
    async replay(request: UploadRequest): Promise<QualityReport> {
      const result = await replayFile({
        kind: request.kind,
        input: request.content,
        name: request.fileName,
        format: request.format,
        columnMap: request.columnMap,
        dryRun: request.dryRun,
        sink: request.dryRun ? undefined : sink,
        logger,
      });
      return { ...result.report, status: result.status, message: result.message };
    },
  };
}
