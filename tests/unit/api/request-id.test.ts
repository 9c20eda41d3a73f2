import { describe, expect, it } from 'vitest';
import { requestIdGenerator } from '../../../api/request-id.js';

const bare = { headers: {} };

describe('request ids', () => {
  it('are unique within a process and between generators (workers, restarts)', () => {
    const a = requestIdGenerator();
    const b = requestIdGenerator();
    const ids = new Set<string>();
    for (let i = 0; i < 10_000; i++) {
      ids.add(a(bare));
      ids.add(b(bare));
    }
    expect(ids.size).toBe(20_000);
    expect(a(bare).split('-')[0]).not.toBe(b(bare).split('-')[0]);
    expect(a(bare)).toMatch(/^[0-9a-f]{12}-[0-9a-z]+$/);
  });

  it('keep a plain x-request-id from the client and replace anything else', () => {
    const next = requestIdGenerator();
    expect(next({ headers: { 'x-request-id': 'abc-123.x:y_z' } })).toBe('abc-123.x:y_z');
    for (const given of ['', 'a b', 'x'.repeat(129), 'line\nbreak', ['a', 'b']]) {
      const id = next({ headers: { 'x-request-id': given } });
      expect(id).not.toBe(given);
      expect(id).toMatch(/^[0-9a-f]{12}-[0-9a-z]+$/);
    }
  });
});
