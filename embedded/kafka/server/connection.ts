import type { Socket } from 'node:net';
import type { Logger } from '../../../lib/logger.js';
import type { BrokerState, RequestContext } from '../handlers/index.js';
import { HANDLERS } from '../handlers/index.js';
import { advertisedApi, ApiKey } from '../protocol/api-keys.js';
import { unsupportedVersionFallback } from '../protocol/api-versions/fallback.js';
import { MESSAGES } from '../protocol/messages.js';
import { FrameSplitter } from '../wire/frame.js';
import { frame, readRequestHeaderPrefix, writeResponseHeader } from '../wire/header.js';
import { Reader } from '../wire/reader.js';
import { Writer } from '../wire/writer.js';
import { UnsupportedRequestError } from '../wire/errors.js';

/** Frames queued beyond this pause reading from the socket until the queue drains. */
const MAX_QUEUED_FRAMES = 64;

/**
 * One client connection. Requests are handled strictly one after the other and answered in
 * order, as Kafka does (kafka-python drops the connection on an out-of-order correlation id);
 * a parked long-poll Fetch therefore delays only its own connection. Any malformed frame,
 * unknown API or unsupported version closes this connection only, with a log line.
 */
export class Connection {
  private readonly splitter: FrameSplitter;
  private readonly queue: Buffer[] = [];
  private running = false;
  private closed = false;
  private readonly clientHost: string;
  private readonly log: Logger;

  constructor(
    private readonly socket: Socket,
    private readonly broker: BrokerState,
    logger: Logger,
    maxFrameBytes: number,
  ) {
    this.splitter = new FrameSplitter(maxFrameBytes);
    this.clientHost = `/${socket.remoteAddress ?? 'unknown'}`;
    this.log = logger.child({ peer: `${socket.remoteAddress}:${socket.remotePort}` });
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.log.debug({ err }, 'socket error'));
    socket.on('close', () => {
      this.closed = true;
      this.log.info('connection closed');
    });
    this.log.info('connection accepted');
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    try {
      for (const frame of this.splitter.push(chunk)) this.queue.push(frame);
    } catch (err) {
      this.fail(err, 'unreadable frame');
      return;
    }
    if (this.queue.length > MAX_QUEUED_FRAMES) this.socket.pause();
    if (!this.running) void this.run();
  }

  private async run(): Promise<void> {
    this.running = true;
    while (this.queue.length > 0 && !this.closed) {
      const frame = this.queue.shift()!;
      if (this.queue.length <= MAX_QUEUED_FRAMES / 2) this.socket.resume();
      try {
        const response = await this.process(frame);
        if (response !== null && !this.closed) await this.write(response);
      } catch (err) {
        this.fail(err, 'bad request');
        break;
      }
    }
    this.running = false;
  }

  /** Decodes, handles and encodes one request; null when it gets no response. */
  private async process(bytes: Buffer): Promise<Buffer[] | null> {
    const r = new Reader(bytes);
    const { apiKey, apiVersion, correlationId } = readRequestHeaderPrefix(r);
    const api = advertisedApi(apiKey);
    const handler = HANDLERS.get(apiKey);
    if (apiKey === ApiKey.ApiVersions && api && apiVersion > api.maxVersion) {
      // KIP-511: a newer ApiVersions (librdkafka starts with v3) gets a v0 answer with error 35
      // and our own range; the client retries with a version we speak on this connection.
      this.log.debug({ apiVersion }, 'ApiVersions above our maximum: answering with the v0 fallback');
      const w = new Writer();
      writeResponseHeader(w, correlationId, false);
      MESSAGES[ApiKey.ApiVersions].response.write(w, unsupportedVersionFallback(), 0);
      return frame(w.chunksOut());
    }
    if (!api || !handler || apiVersion < api.minVersion || apiVersion > api.maxVersion) {
      throw new UnsupportedRequestError(apiKey, apiVersion);
    }
    // Every advertised version is non-flexible: request header v1, response header v0.
    const clientId = r.nstr() ?? '';
    const ctx: RequestContext = { apiVersion, correlationId, clientId, clientHost: this.clientHost };
    const body = await handler.handle(r, ctx, this.broker);
    if (body === null) return null;
    const header = new Writer(8);
    writeResponseHeader(header, correlationId, false);
    return frame([...header.chunksOut(), ...body.chunksOut()]);
  }

  /** Writes one response frame; waits for the socket to drain when its buffer is full. */
  private write(chunks: Buffer[]): Promise<void> {
    this.socket.cork();
    let ok = true;
    for (const c of chunks) ok = this.socket.write(c);
    this.socket.uncork();
    if (ok) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        resolve();
      };
      this.socket.on('drain', done);
      this.socket.on('close', done);
    });
  }

  private fail(err: unknown, what: string): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.length = 0;
    this.log.warn({ err }, `closing connection: ${what}`);
    this.socket.destroy();
  }

  /** Ends the connection (broker shutdown). */
  close(): void {
    this.closed = true;
    this.queue.length = 0;
    this.socket.destroy();
  }
}
