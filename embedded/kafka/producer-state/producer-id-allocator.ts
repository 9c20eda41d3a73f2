import fs from 'node:fs';
import path from 'node:path';

/** Ids are reserved on disk a block at a time so that InitProducerId rarely waits for an fsync. */
const BLOCK_SIZE = 1000;

interface AllocatorFile {
  nextBlockStart: number;
}

/**
 * Hands out producer ids that are never reused, not even after a crash: before any id of a block
 * is given out, the end of that block is persisted, and a restart starts at the next block.
 */
export class ProducerIdAllocator {
  private next: number;
  private blockEnd: number;

  private constructor(
    private readonly file: string,
    nextBlockStart: number,
  ) {
    this.next = nextBlockStart;
    this.blockEnd = nextBlockStart;
  }

  static open(file: string): ProducerIdAllocator {
    let nextBlockStart = 0;
    try {
      const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as AllocatorFile;
      if (!Number.isSafeInteger(parsed.nextBlockStart) || parsed.nextBlockStart < 0) {
        throw new Error(`${file}: nextBlockStart is not a non-negative integer`);
      }
      nextBlockStart = parsed.nextBlockStart;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    return new ProducerIdAllocator(file, nextBlockStart);
  }

  allocate(): number {
    if (this.next >= this.blockEnd) this.reserveBlock();
    return this.next++;
  }

  private reserveBlock(): void {
    const blockEnd = this.next + BLOCK_SIZE;
    const temp = `${this.file}.tmp`;
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const fd = fs.openSync(temp, 'w');
    try {
      fs.writeSync(fd, JSON.stringify({ nextBlockStart: blockEnd } satisfies AllocatorFile));
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temp, this.file);
    this.blockEnd = blockEnd;
  }
}
