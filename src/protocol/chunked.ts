/**
 * Two persistent containers for tables that grow with a run: a queue read from its head and a
 * table keyed by integer ids. Updates return a new value and never write into the one given.
 *
 * Why chunks: state is plain data that is never written in place (docs/determinism.md,
 * "Pure transitions"), because the explorer keeps old snapshots and the viewer scrubs back to them.
 * A plain array or record would then have to be copied whole on every update, so a queue of n
 * pending records would cost O(n) per append. Here both are cut into chunks of {@link CHUNK_SIZE}
 * entries: an update copies the chunk it touches and the short list (or record) of chunks, about
 * n / 32 references, and shares every other chunk with the previous version. A chunk is written
 * only while the update that made it is still building it. Both stay plain arrays and records:
 * JSON-serialisable, safe to freeze.
 */

/** Entries per chunk. */
export const CHUNK_SIZE = 32;

/**
 * A FIFO queue: entries are appended at the tail and taken off at the head. Every chunk but the
 * last holds exactly {@link CHUNK_SIZE} entries; the first `head` entries of the first chunk are
 * already taken.
 */
export interface ChunkedQueue<T> {
  readonly chunks: readonly (readonly T[])[];
  readonly head: number;
}

const EMPTY_QUEUE: ChunkedQueue<never> = Object.freeze({ chunks: Object.freeze([]), head: 0 });

/** The empty queue (shared: it is never written). */
export function emptyQueue<T>(): ChunkedQueue<T> {
  return EMPTY_QUEUE;
}

/** Entries in the queue. */
export function queueSize<T>(queue: ChunkedQueue<T>): number {
  const { chunks } = queue;
  if (chunks.length === 0) return 0;
  return (chunks.length - 1) * CHUNK_SIZE + (chunks[chunks.length - 1] as readonly T[]).length - queue.head;
}

/** The entry `index` places behind the head (0 = the head), if any. */
export function queueAt<T>(queue: ChunkedQueue<T>, index: number): T | undefined {
  const position = queue.head + index;
  return queue.chunks[Math.floor(position / CHUNK_SIZE)]?.[position % CHUNK_SIZE];
}

/** The queue with `items` appended, in order. Copies the last chunk and the list of chunks. */
export function queuePush<T>(queue: ChunkedQueue<T>, items: readonly T[]): ChunkedQueue<T> {
  if (items.length === 0) return queue;
  const chunks = queue.chunks.slice();
  const last = chunks[chunks.length - 1];
  // The chunk this call is filling: a copy of a partly filled last chunk, or a new one.
  let filling: T[] | undefined;
  for (const item of items) {
    if (filling === undefined && last !== undefined && last.length < CHUNK_SIZE) {
      filling = last.slice();
      chunks[chunks.length - 1] = filling;
    } else if (filling === undefined || filling.length === CHUNK_SIZE) {
      filling = [];
      chunks.push(filling);
    }
    filling.push(item);
  }
  return { chunks, head: queue.head };
}

/** The queue without its first `count` entries. Copies the list of chunks at most. */
export function queueDrop<T>(queue: ChunkedQueue<T>, count: number): ChunkedQueue<T> {
  if (count <= 0) return queue;
  if (count >= queueSize(queue)) return EMPTY_QUEUE;
  const position = queue.head + count;
  const first = Math.floor(position / CHUNK_SIZE);
  return { chunks: first === 0 ? queue.chunks : queue.chunks.slice(first), head: position % CHUNK_SIZE };
}

/** The first `limit` entries (all of them by default), as a new array. */
export function queueTake<T>(queue: ChunkedQueue<T>, limit = Number.POSITIVE_INFINITY): T[] {
  const count = Math.min(limit, queueSize(queue));
  const items: T[] = [];
  for (let i = 0; i < count; i++) items.push(queueAt(queue, i) as T);
  return items;
}

/** A queue holding `items`, in order. */
export function queueOf<T>(items: readonly T[]): ChunkedQueue<T> {
  return queuePush(emptyQueue<T>(), items);
}

/**
 * A table keyed by non-negative integer ids (block ids): chunk `⌊id / 32⌋`, then the id. An
 * update copies the record of chunks and one chunk of at most {@link CHUNK_SIZE} entries.
 */
export type ChunkedTable<V> = Readonly<Record<number, Readonly<Record<number, V>>>>;

const chunkOf = (id: number): number => Math.floor(id / CHUNK_SIZE);

/** The value of `id`, if any. */
export function tableGet<V>(table: ChunkedTable<V>, id: number): V | undefined {
  return table[chunkOf(id)]?.[id];
}

/**
 * The table with each `[id, value]` of `entries` set, in order; a value of `undefined` removes the
 * id. Each chunk touched is copied once, however many of its ids change.
 */
export function tableUpdate<V>(table: ChunkedTable<V>, entries: readonly (readonly [id: number, value: V | undefined])[]): ChunkedTable<V> {
  if (entries.length === 0) return table;
  const chunks: Record<number, Readonly<Record<number, V>>> = { ...table };
  // Chunks copied by this call: written while the call builds them, shared once it returns.
  const copied: Record<number, Record<number, V>> = {};
  const copiedChunks: number[] = [];
  let removed = false;
  for (const [id, value] of entries) {
    const chunk = chunkOf(id);
    let entriesOfChunk = copied[chunk];
    if (entriesOfChunk === undefined) {
      entriesOfChunk = { ...chunks[chunk] };
      copied[chunk] = entriesOfChunk;
      copiedChunks.push(chunk);
      chunks[chunk] = entriesOfChunk;
    }
    if (value === undefined) {
      delete entriesOfChunk[id];
      removed = true;
    } else {
      entriesOfChunk[id] = value;
    }
  }
  if (removed) for (const chunk of copiedChunks) if (isEmpty(chunks[chunk] as object)) delete chunks[chunk];
  return chunks;
}

function isEmpty(record: object): boolean {
  for (const _ in record) return false;
  return true;
}

/** A table holding the entries of a plain record keyed by id. */
export function tableOf<V>(record: Readonly<Record<number, V>>): ChunkedTable<V> {
  return tableUpdate<V>({}, Object.entries(record).map(([id, value]) => [Number(id), value] as const));
}

/** The table as one plain record keyed by id (a copy, for reports and tests). */
export function tableRecord<V>(table: ChunkedTable<V>): Record<number, V> {
  const record: Record<number, V> = {};
  for (const chunk of Object.values(table)) Object.assign(record, chunk);
  return record;
}
