/**
 * The persistent containers under the writer's growing tables (src/protocol/chunked.ts): a chunked
 * queue behaves as a plain array read from its head, a chunked table as a plain record; neither
 * writes into the value it is given (every step here runs on a deep-frozen input), and an update
 * shares the chunks it did not touch.
 */
import fc from 'fast-check';
import { freeze } from 'immer';
import { describe, expect, it } from 'vitest';
import type { ChunkedQueue, ChunkedTable } from '../../src/protocol/chunked.js';
import { CHUNK_SIZE, emptyQueue, queueAt, queueDrop, queueOf, queuePush, queueSize, queueTake, tableGet, tableOf, tableRecord, tableUpdate } from '../../src/protocol/chunked.js';

type QueueOp = { kind: 'push'; items: number[] } | { kind: 'drop'; count: number };

const queueOps = fc.array(
  fc.oneof(
    fc.record({ kind: fc.constant('push' as const), items: fc.array(fc.integer(), { maxLength: 3 * CHUNK_SIZE }) }),
    fc.record({ kind: fc.constant('drop' as const), count: fc.nat({ max: 2 * CHUNK_SIZE }) }),
  ),
  { maxLength: 40 },
);

describe('Chunked queue', () => {
  it('is an array read from its head, whatever the pushes and drops (property)', () => {
    fc.assert(
      fc.property(queueOps, (ops: QueueOp[]) => {
        let queue: ChunkedQueue<number> = emptyQueue();
        let model: number[] = [];
        for (const op of ops) {
          const given = freeze(queue, true);
          const before = JSON.stringify(given);
          queue = op.kind === 'push' ? queuePush(given, op.items) : queueDrop(given, op.count);
          model = op.kind === 'push' ? [...model, ...op.items] : model.slice(op.count);
          expect(JSON.stringify(given)).toBe(before);
          expect(queueSize(queue)).toBe(model.length);
          expect(queueTake(queue)).toEqual(model);
          expect(queueAt(queue, model.length)).toBeUndefined();
          // Every chunk but the last is full, so an entry's place is found by division.
          expect(queue.chunks.slice(0, -1).every((chunk) => chunk.length === CHUNK_SIZE)).toBe(true);
        }
      }),
    );
  });

  it('copies one chunk and the list of chunks per push: the others are shared', () => {
    const queue = queueOf(Array.from({ length: 10 * CHUNK_SIZE + 1 }, (_, i) => i));
    const next = queuePush(queue, [-1]);
    expect(next.chunks.slice(0, -1).every((chunk, i) => chunk === queue.chunks[i])).toBe(true);
    expect(next.chunks.at(-1)).not.toBe(queue.chunks.at(-1));
    // Dropping whole chunks drops their references; an emptied queue holds nothing.
    expect(queueDrop(next, 3 * CHUNK_SIZE).chunks[0]).toBe(queue.chunks[3]);
    expect(queueDrop(next, queueSize(next))).toEqual({ chunks: [], head: 0 });
    expect(queueTake(next, 3)).toEqual([0, 1, 2]);
  });
});

describe('Chunked table', () => {
  it('is a record keyed by id, whatever the sets and removals (property)', () => {
    const updates = fc.array(fc.array(fc.tuple(fc.nat({ max: 8 * CHUNK_SIZE }), fc.option(fc.integer(), { nil: undefined })), { maxLength: 10 }), { maxLength: 20 });
    fc.assert(
      fc.property(updates, (batches) => {
        let table: ChunkedTable<number> = tableOf({});
        const model: Record<number, number> = {};
        for (const entries of batches) {
          const given = freeze(table, true);
          const before = JSON.stringify(given);
          table = tableUpdate(given, entries);
          for (const [id, value] of entries) {
            if (value === undefined) delete model[id];
            else model[id] = value;
          }
          expect(JSON.stringify(given)).toBe(before);
          expect(tableRecord(table)).toEqual(model);
          for (const [id] of entries) expect(tableGet(table, id)).toBe(model[id]);
          // No empty chunk is kept.
          expect(Object.values(table).every((chunk) => Object.keys(chunk).length > 0)).toBe(true);
        }
      }),
    );
  });

  it('copies only the chunks an update touches', () => {
    const table = tableOf(Object.fromEntries(Array.from({ length: 4 * CHUNK_SIZE }, (_, id) => [id, id])));
    const next = tableUpdate(table, [[1, -1], [2, -2]]);
    expect(next[0]).not.toBe(table[0]);
    for (const chunk of [1, 2, 3]) expect(next[chunk]).toBe(table[chunk]);
    expect([tableGet(next, 1), tableGet(next, 2), tableGet(next, 3)]).toEqual([-1, -2, 3]);
  });
});
