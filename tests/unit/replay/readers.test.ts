import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { detectDelimiter, openInput, readRecords } from '../../../replay/input/index.js';
import { readLines } from '../../../replay/input/lines.js';
import type { SourceRecord } from '../../../replay/types.js';

/** Streams `bytes` in small chunks so records and UTF-8 characters straddle chunk boundaries. */
function chunked(bytes: Buffer, size = 7): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) parts.push(bytes.subarray(i, i + size));
  return Readable.from(parts);
}

async function read(
  text: string | Buffer,
  name: string,
  options: { delimiter?: string } = {},
): Promise<{ records: SourceRecord[]; columns: string[] | null; format: string }> {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  const input = await openInput(chunked(bytes), { name });
  let columns: string[] | null = null;
  const records: SourceRecord[] = [];
  for await (const batch of readRecords(input, { ...options, onHeader: (h) => (columns = h.columns) })) {
    records.push(...batch);
  }
  return { records, columns, format: input.format };
}

describe('line splitting', () => {
  it('numbers LF and CRLF lines, drops a BOM, keeps a last line without newline', async () => {
    const lines = [];
    for await (const batch of readLines(chunked(Buffer.from('\uFEFFa\r\nb\n\nc', 'utf8'), 2)))
      lines.push(...batch);
    expect(lines.map((l) => [l.number, l.text])).toEqual([
      [1, 'a'],
      [2, 'b'],
      [3, ''],
      [4, 'c'],
    ]);
  });
  it('reports a line longer than the limit instead of buffering it', async () => {
    const lines = [];
    for await (const batch of readLines(
      chunked(Buffer.from('ok\n' + 'x'.repeat(5000) + '\nnext\n'), 100),
      1000,
    )) {
      lines.push(...batch);
    }
    expect(lines.map((l) => [l.number, l.overlong])).toEqual([
      [1, false],
      [2, true],
      [3, false],
    ]);
    expect(lines[1]!.text.length).toBeLessThanOrEqual(1024);
  });
});

describe('CSV', () => {
  it('reads the header, a BOM, CRLF line ends, quoted commas and escaped quotes, with line numbers', async () => {
    const { records, columns } = await read(
      '\uFEFFitem_id,title,price\r\n1,"Headphones, wireless",99.99\r\n\r\n2,"The ""Best"" Lamp",10\r\n',
      'items.csv',
    );
    expect(columns).toEqual(['item_id', 'title', 'price']);
    expect(records.map((r) => [r.line, r.fields])).toEqual([
      [2, { item_id: '1', title: 'Headphones, wireless', price: '99.99' }],
      [4, { item_id: '2', title: 'The "Best" Lamp', price: '10' }],
    ]);
    expect(records[0]!.raw).toBe('1,"Headphones, wireless",99.99');
  });

  it('gathers a quoted field that spans lines and numbers the record by its first line', async () => {
    const { records } = await read('id,description\n1,"line one\nline two"\n2,plain\n', 'x.csv');
    expect(records.map((r) => [r.line, r.fields])).toEqual([
      [2, { id: '1', description: 'line one\nline two' }],
      [4, { id: '2', description: 'plain' }],
    ]);
  });

  it.each([
    [',', 'a,b,c'],
    [';', 'a;b;c'],
    ['\t', 'a\tb\tc'],
    ['|', 'a|b|c'],
    [',', 'single'],
    [';', '"x,y";b;c'],
  ])('detects the delimiter %j in %j', (delimiter, header) => {
    expect(detectDelimiter(header)).toBe(delimiter);
  });

  it('reads semicolon, tab and pipe files', async () => {
    for (const d of [';', '\t', '|']) {
      const { records } = await read(`user_id${d}item_id\nu1${d}i1\n`, 'x.csv');
      expect(records[0]!.fields).toEqual({ user_id: 'u1', item_id: 'i1' });
    }
  });

  it('takes a given delimiter over detection', async () => {
    const { records } = await read('a;b\n1;2\n', 'x.csv', { delimiter: ',' });
    expect(records[0]!.fields).toEqual({ 'a;b': '1;2' });
  });

  it('rejects a row with the wrong number of columns and goes on', async () => {
    const { records } = await read('a,b\n1,2\n1,2,3\n4\n5,6\n', 'x.csv');
    expect(records.map((r) => [r.line, r.problem?.code ?? null])).toEqual([
      [2, null],
      [3, 'malformed_csv'],
      [4, 'malformed_csv'],
      [5, null],
    ]);
    expect(records[1]!.problem!.reason).toBe('expected 2 columns (as in the header), found 3');
    expect(records[1]!.raw).toBe('1,2,3');
  });

  it('keeps a quote inside an unquoted field as a character', async () => {
    const { records } = await read('id,title\n1,5" screen\n', 'x.csv');
    expect(records[0]!.fields).toEqual({ id: '1', title: '5" screen' });
  });

  it('rejects an unclosed quote at the end of the file and still reads the lines it swallowed', async () => {
    const { records } = await read('a,b\n1,"open\n2,3\n', 'x.csv');
    expect(records.map((r) => [r.line, r.problem?.code ?? null, r.fields])).toEqual([
      [2, 'malformed_csv', null],
      [3, null, { a: '2', b: '3' }],
    ]);
  });

  it('reads gzip, detected by its magic bytes', async () => {
    const { records, format } = await read(gzipSync(Buffer.from('a,b\n1,2\n3,4\n')), 'data.csv.gz');
    expect(format).toBe('csv');
    expect(records.map((r) => [r.line, r.fields])).toEqual([
      [2, { a: '1', b: '2' }],
      [3, { a: '3', b: '4' }],
    ]);
  });

  it('keeps UTF-8 characters split across chunks intact', async () => {
    const { records } = await read('id,title\n1,Crème brûlée — 東京\n', 'x.csv');
    expect(records[0]!.fields).toEqual({ id: '1', title: 'Crème brûlée — 東京' });
  });
});

describe('JSON array', () => {
  it('streams the elements of a pretty-printed array with the line each starts on', async () => {
    const text = '[\n  {\n    "item_id": 1,\n    "price": 9.5\n  },\n  {"item_id": 2, "in_stock": true}\n]\n';
    const { records, format } = await read(text, 'products.json');
    expect(format).toBe('json');
    expect(records.map((r) => [r.line, r.element, r.fields])).toEqual([
      [2, 1, { item_id: 1, price: 9.5 }],
      [6, 2, { item_id: 2, in_stock: true }],
    ]);
  });

  it('numbers the elements of a minified array, all on line 1', async () => {
    const { records } = await read('[{"a":1},{"a":2},{"a":3}]', 'min.json');
    expect(records.map((r) => [r.line, r.element])).toEqual([
      [1, 1],
      [1, 2],
      [1, 3],
    ]);
  });

  it('rejects an element that is not an object', async () => {
    const { records } = await read('[{"a":1}, 5, "x"]', 'x.json');
    expect(records.map((r) => r.problem?.code ?? null)).toEqual([null, 'not_an_object', 'not_an_object']);
  });

  it('turns a syntax error into one rejected record for the rest of the file', async () => {
    const { records } = await read('[\n{"a":1},\n{"a": oops},\n{"a":3}\n]', 'x.json');
    expect(records.map((r) => [r.line, r.problem?.code ?? null])).toEqual([
      [2, null],
      [3, 'invalid_json'],
    ]);
    expect(records[1]!.problem!.reason).toMatch(/invalid JSON on line 3/);
  });
});

describe('NDJSON', () => {
  it('reads one object per line, skipping blank lines, rejecting bad lines', async () => {
    const { records, format } = await read('{"a":1}\n\n{"a":2}\nnot json\n[1]\n{"a":3}', 'events.ndjson');
    expect(format).toBe('ndjson');
    expect(records.map((r) => [r.line, r.problem?.code ?? null])).toEqual([
      [1, null],
      [3, null],
      [4, 'invalid_json'],
      [5, 'not_an_object'],
      [6, null],
    ]);
    expect(records[2]!.raw).toBe('not json');
  });

  it('recognises a .json file of one object per line as NDJSON', async () => {
    const { format, records } = await read('{"a":1}\n{"a":2}\n', 'events.json');
    expect(format).toBe('ndjson');
    expect(records).toHaveLength(2);
  });
});
