import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';

const FLUSH_CHARS = 1 << 20;

/** A field as CSV: quoted only when it holds a delimiter, a quote or a line break. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** Appends CSV lines to a file in 1 MiB writes, waiting for the disk when it falls behind. */
export class CsvFileWriter {
  private readonly stream: WriteStream;
  private buffer = '';
  rows = 0;

  constructor(path: string, header: readonly string[]) {
    this.stream = createWriteStream(path);
    this.buffer = header.join(',') + '\n';
  }

  /** Adds one line (already joined); flush when `full` (checked by the caller: no await per row). */
  line(text: string): void {
    this.buffer += text + '\n';
    this.rows++;
  }

  get full(): boolean {
    return this.buffer.length >= FLUSH_CHARS;
  }

  async flush(): Promise<void> {
    const data = this.buffer;
    this.buffer = '';
    if (!this.stream.write(data)) await once(this.stream, 'drain');
  }

  async close(): Promise<void> {
    if (this.buffer.length > 0) await this.flush();
    this.stream.end();
    await once(this.stream, 'close');
  }
}
