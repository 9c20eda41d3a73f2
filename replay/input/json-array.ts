import { StringDecoder } from 'node:string_decoder';
import { none, isMany } from 'stream-chain/defs.js';
import { jsonParser, type Token } from 'stream-json/core/parser.js';
import Assembler from 'stream-json/assembler.js';
import { READ_BATCH, type RecordBatches, type SourceRecord } from '../types.js';

/** Very long lines (a minified array) are fed to the tokenizer in pieces of this size. */
const PIECE_CHARS = 64 * 1024;

const OPENERS = new Set(['startObject', 'startArray']);
const CLOSERS = new Set(['endObject', 'endArray']);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * A JSON array of records (products.json), streamed with stream-json's tokenizer so a file of any
 * size needs memory for one element at a time. The text is fed to the tokenizer one line at a
 * time, so the line on which each element starts is known exactly; elements are also numbered.
 * A syntax error cannot be stepped over in a JSON array (where the next element starts is then
 * unknown): it becomes one rejected record covering the rest of the file.
 */
export async function* readJsonArray(chunks: AsyncIterable<Buffer>): RecordBatches {
  // The tokenizer is a stream-chain "flushable": called with text, and with `none` at the end.
  const tokenize = jsonParser({ packValues: true, streamValues: false }) as unknown as (
    text: string | typeof none,
  ) => unknown;
  const decoder = new StringDecoder('utf8');
  let batch: SourceRecord[] = [];
  let line = 1;
  let depth = 0;
  let sawArray = false;
  let element = 0;
  let elementLine = 1;
  let assembler: Assembler | null = null;
  let failed = false;

  const onToken = (token: Token): void => {
    if (!sawArray) {
      if (token.name !== 'startArray') throw new Error('the top-level value is not an array');
      sawArray = true;
      depth = 1;
      return;
    }
    if (depth === 1) {
      if (token.name === 'endArray') {
        depth = 0;
        return;
      }
      element++;
      elementLine = line;
      assembler = new Assembler();
    }
    if (depth === 0) throw new Error('unexpected content after the array');
    assembler!.consume(token);
    if (OPENERS.has(token.name)) depth++;
    else if (CLOSERS.has(token.name)) depth--;
    if (depth === 1) {
      const value: unknown = assembler!.current;
      assembler = null;
      batch.push(
        isPlainObject(value)
          ? { line: elementLine, element, fields: value, raw: undefined, problem: null }
          : {
              line: elementLine,
              element,
              fields: null,
              raw: JSON.stringify(value),
              problem: { code: 'not_an_object', reason: `element ${element} is not a JSON object` },
            },
      );
    }
  };

  const feed = (text: string | typeof none): void => {
    const out = tokenize(text);
    if (out === none) return;
    if (isMany(out)) for (const token of out.values as Token[]) onToken(token);
    else onToken(out as Token);
  };

  const feedText = (text: string): void => {
    let start = 0;
    while (start < text.length) {
      const nl = text.indexOf('\n', start);
      const end = nl === -1 ? text.length : nl + 1;
      for (let at = start; at < end; at += PIECE_CHARS) feed(text.slice(at, Math.min(end, at + PIECE_CHARS)));
      if (nl !== -1) line++;
      start = end;
    }
  };

  const fail = (err: unknown): void => {
    failed = true;
    batch.push({
      line,
      element: null,
      fields: null,
      raw: '',
      problem: {
        code: 'invalid_json',
        reason: `invalid JSON on line ${line}: ${(err as Error).message}; the rest of the file cannot be read`,
      },
    });
  };

  let first = true;
  for await (const chunk of chunks) {
    let text = decoder.write(chunk);
    if (first && text.length > 0) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      first = false;
    }
    try {
      feedText(text);
    } catch (err) {
      fail(err);
      break;
    }
    if (batch.length >= READ_BATCH) {
      yield batch;
      batch = [];
    }
  }
  if (!failed) {
    try {
      feedText(decoder.end());
      feed(none);
      if (!sawArray) throw new Error('the file holds no JSON value');
      if (depth !== 0) throw new Error('the array is not closed');
    } catch (err) {
      fail(err);
    }
  }
  if (batch.length > 0) yield batch;
}
