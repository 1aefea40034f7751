/**
 * Trace: canonical JSON, the compact hash text and the incremental hash the determinism contract
 * rests on. The hash covers what a run did, not how much of it was written down: a sink, kept
 * events or snapshots never change it.
 */
import { describe, expect, it } from 'vitest';
import { Trace, canonicalJson, isVerdictLine, stateText } from '../../src/kernel/trace.js';

describe('canonicalJson', () => {
  it('sorts keys at every depth and omits undefined fields', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: undefined } })).toBe('{"a":{"d":[3,{"y":2,"z":1}]},"b":1}');
  });

  it('gives equal text for equal values built in different key orders', () => {
    expect(canonicalJson({ x: 1, y: 'two' })).toBe(canonicalJson({ y: 'two', x: 1 }));
  });

  it('writes an array as it is now, even when the same array was written before and changed in place', () => {
    const records = [{ lsn: 1 }, { lsn: 2 }];
    const snapshot = { actor: 'seg:pg0:az-a:1', records };
    expect(canonicalJson(snapshot)).toBe('{"actor":"seg:pg0:az-a:1","records":[{"lsn":1},{"lsn":2}]}');
    records.push({ lsn: 3 });
    records[0]!.lsn = 9;
    expect(canonicalJson(snapshot)).toBe('{"actor":"seg:pg0:az-a:1","records":[{"lsn":9},{"lsn":2},{"lsn":3}]}');
  });

  it('traces a snapshot changed in place with its new contents', () => {
    const lines: string[] = [];
    const trace = new Trace({ snapshots: true, sink: (line) => lines.push(line) });
    const hotLog = [1, 2];
    trace.record({ kind: 'snapshot', atMs: 1, actor: 'seg', snapshot: { hotLog } });
    hotLog.push(3);
    trace.record({ kind: 'snapshot', atMs: 2, actor: 'seg', snapshot: { hotLog } });
    expect(lines.map((line) => JSON.parse(line).snapshot.hotLog)).toEqual([[1, 2], [1, 2, 3]]);
  });

  it('writes non-finite numbers as null and escapes strings like JSON', () => {
    expect(canonicalJson([Number.NaN, Infinity, 'a"b\n'])).toBe('[null,null,"a\\"b\\n"]');
  });
});

describe('Trace', () => {
  it('hashes rare kinds as their canonical lines, so key order does not matter but content does', () => {
    const a = new Trace();
    const b = new Trace();
    const c = new Trace();
    a.record({ kind: 'note', atMs: 1, text: 'x' });
    b.record({ text: 'x', atMs: 1, kind: 'note' });
    c.record({ kind: 'note', atMs: 2, text: 'x' });
    expect(a.traceHash()).toBe(b.traceHash());
    expect(a.traceHash()).not.toBe(c.traceHash());
  });

  it('keeps hashing without keeping events, and streams lines to a sink', () => {
    const lines: string[] = [];
    const kept = new Trace();
    const streamed = new Trace({ keepEvents: false, sink: (line) => lines.push(line) });
    for (const trace of [kept, streamed]) {
      trace.record({ kind: 'fault', atMs: 5, fault: 'crash', target: 'seg:pg0:az-a:1' });
      trace.record({ kind: 'state', atMs: 6, actor: 'seg:pg0:az-a:1', value: 'down' });
    }
    expect(streamed.events).toHaveLength(0);
    expect(streamed.length).toBe(2);
    expect(streamed.traceHash()).toBe(kept.traceHash());
    expect(lines.map((line) => JSON.parse(line).kind)).toEqual(['fault', 'state']);
  });

  it('writes and keeps verdict events but neither hashes nor counts them', () => {
    const run = [
      { kind: 'fault', atMs: 5, fault: 'crash', target: 'seg:pg0:az-a:1' },
      { kind: 'state', atMs: 6, actor: 'seg:pg0:az-a:1', value: 'down' },
    ] as const;
    const verdicts = [
      { kind: 'verdict', atMs: 6, invariant: 'S4 VDL durability', ok: false, message: 'VDL 7 above a record held by 3 of 6' },
      { kind: 'verdict', atMs: 9, invariant: 'S4 VDL durability', ok: false, final: true, violations: 2 },
    ] as const;
    const lines: string[] = [];
    const without = new Trace();
    const withVerdicts = new Trace({ sink: (line) => lines.push(line) });
    for (const event of run) without.record(event);
    withVerdicts.record(run[0]);
    withVerdicts.record(run[1]);
    withVerdicts.record(verdicts[0]);
    withVerdicts.record(verdicts[1]);
    expect(withVerdicts.traceHash()).toBe(without.traceHash());
    expect(withVerdicts.length).toBe(2);
    expect(withVerdicts.events.map((event) => event.kind)).toEqual(['fault', 'state', 'verdict', 'verdict']);
    expect(lines.slice(2)).toEqual([
      '{"atMs":6,"invariant":"S4 VDL durability","kind":"verdict","message":"VDL 7 above a record held by 3 of 6","ok":false}',
      '{"atMs":9,"final":true,"invariant":"S4 VDL durability","kind":"verdict","ok":false,"violations":2}',
    ]);
    // A different verdict leaves the hash alone too: it is not part of the run.
    const other = new Trace();
    for (const event of run) other.record(event);
    other.record({ kind: 'verdict', atMs: 6, invariant: 'S1', ok: true, final: true, violations: 0 });
    expect(other.traceHash()).toBe(without.traceHash());
  });

  it('isVerdictLine: a verdict line, not a message that carries a kind "verdict", not broken JSON', () => {
    expect(isVerdictLine('{"atMs":9,"final":true,"invariant":"S1","kind":"verdict","ok":true,"violations":0}')).toBe(true);
    expect(isVerdictLine('{"atMs":1,"from":"a","id":0,"kind":"send","message":{"kind":"verdict"},"to":"b"}')).toBe(false);
    expect(isVerdictLine('{"atMs":1,"kind":"verdict"')).toBe(false);
    expect(isVerdictLine('{"atMs":0,"kind":"note","text":"spawn a"}')).toBe(false);
  });

  it('ignores snapshot events unless snapshots are enabled', () => {
    const off = new Trace();
    const on = new Trace({ snapshots: true });
    for (const trace of [off, on]) trace.record({ kind: 'snapshot', atMs: 0, actor: 'a', snapshot: { value: 'up' } });
    expect([off.length, on.length]).toEqual([0, 1]);
  });
});

describe('traceHash', () => {
  const send = (message: unknown, patch: Partial<{ atMs: number; id: number; from: string; to: string }> = {}) =>
    ({ kind: 'send', atMs: 1.25, id: 7, from: 'inst:writer', to: 'seg:pg0:az-a:1', message, ...patch }) as const;
  const batch = { type: 'write', pg: 0, membershipEpoch: 1, records: [{ lsn: 1 }, { lsn: 2 }] };
  const hashOf = (...events: Parameters<Trace['record']>[0][]): string => {
    const trace = new Trace({ keepEvents: false });
    for (const event of events) trace.record(event);
    return trace.traceHash();
  };

  it('is the same with or without a sink, kept events or snapshots', () => {
    const events = [
      send(batch),
      { kind: 'deliver', atMs: 2, id: 7, from: 'inst:writer', to: 'seg:pg0:az-a:1', type: 'write' },
      { kind: 'snapshot', atMs: 2, actor: 'seg:pg0:az-a:1', snapshot: { value: 'up' } },
      { kind: 'state', atMs: 2, actor: 'seg:pg0:az-a:1', value: 'up' },
      { kind: 'timer', atMs: 3, actor: 'seg:pg0:az-a:1', type: 'gossip' },
    ] as const;
    const lines: string[] = [];
    const traces = [
      new Trace({ keepEvents: false }),
      new Trace({ keepEvents: true }),
      new Trace({ keepEvents: false, sink: (line) => lines.push(line) }),
      new Trace({ keepEvents: false, snapshots: true, sink: () => {} }),
    ];
    for (const trace of traces) for (const event of events) trace.record(event);
    expect(new Set(traces.map((trace) => trace.traceHash())).size).toBe(1);
    // The sink still gets the full canonical line, payload and all.
    expect(JSON.parse(lines[0]!).message).toEqual(batch);
  });

  it('changes with the time, the envelope id, an endpoint, the message type or a top-level payload field', () => {
    const base = hashOf(send(batch));
    const variants = [
      hashOf(send(batch, { atMs: 1.5 })),
      hashOf(send(batch, { id: 8 })),
      hashOf(send(batch, { from: 'inst:replica' })),
      hashOf(send(batch, { to: 'seg:pg0:az-b:1' })),
      hashOf(send({ ...batch, type: 'read' })),
      hashOf(send({ ...batch, membershipEpoch: 2 })),
      hashOf(send({ ...batch, records: [{ lsn: 1 }] })),
    ];
    expect(new Set([base, ...variants]).size).toBe(variants.length + 1);
  });

  it("does not depend on the order of a message's keys", () => {
    const { records, type, ...rest } = batch;
    expect(hashOf(send({ records, ...rest, type }))).toBe(hashOf(send(batch)));
  });

  it('changes with each compact kind: delivery, drop reason, timer, signal and state value', () => {
    const hashes = [
      hashOf({ kind: 'deliver', atMs: 1, id: 1, from: 'a', to: 'b', type: 'x' }),
      hashOf({ kind: 'deliver', atMs: 1, id: 2, from: 'a', to: 'b', type: 'x' }),
      hashOf({ kind: 'drop', atMs: 1, id: 1, from: 'a', to: 'b', type: 'x', reason: 'loss' }),
      hashOf({ kind: 'drop', atMs: 1, id: 1, from: 'a', to: 'b', type: 'x', reason: 'down' }),
      hashOf({ kind: 'timer', atMs: 1, actor: 'a', type: 'x' }),
      hashOf({ kind: 'timer', atMs: 1, actor: 'a', type: 'y' }),
      hashOf({ kind: 'signal', atMs: 1, from: 'a', to: 'b', type: 'x' }),
      hashOf({ kind: 'signal', atMs: 1, from: 'a', to: 'c', type: 'x' }),
      hashOf({ kind: 'state', atMs: 1, actor: 'a', value: 'up' }),
      hashOf({ kind: 'state', atMs: 1, actor: 'a', value: 'down' }),
      hashOf({ kind: 'state', atMs: 1, actor: 'a', value: { up: 'x' } }),
    ];
    expect(new Set(hashes).size).toBe(hashes.length);
  });
});

describe('stateText', () => {
  it('flattens nested and parallel state values and marks inactive actors', () => {
    expect(stateText('up', 'active')).toBe('up');
    expect(stateText({ monitoring: 'healthy' }, 'active')).toBe('monitoring.healthy');
    expect(stateText({ b: { y: 'z' }, a: 'x' }, 'active')).toBe('a.x|b.y.z');
    expect(stateText('stopped', 'done')).toBe('stopped#done');
  });
});

describe('eventLine', () => {
  it('writes exactly the canonical JSON of every event (property)', async () => {
    const { default: fc } = await import('fast-check');
    const { eventLine } = await import('../../src/kernel/trace.js');
    const text = fc.string({ unit: 'binary' });
    const atMs = fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer());
    const event = fc.oneof(
      fc.record({ kind: fc.constant('send' as const), atMs, id: fc.nat(), from: text, to: text, message: fc.jsonValue() }),
      fc.record({ kind: fc.constant('deliver' as const), atMs, id: fc.nat(), from: text, to: text, type: text }),
      fc.record({ kind: fc.constant('drop' as const), atMs, id: fc.nat(), from: text, to: text, type: text, reason: fc.constantFrom('loss' as const, 'down' as const) }),
      fc.record({ kind: fc.constant('timer' as const), atMs, actor: text, type: text }),
      fc.record({ kind: fc.constant('signal' as const), atMs, from: text, to: text, type: text }),
      fc.record({ kind: fc.constant('state' as const), atMs, actor: text, value: fc.jsonValue() }),
      fc.record(
        { kind: fc.constant('verdict' as const), atMs, invariant: text, ok: fc.boolean(), final: fc.constant(true as const), violations: fc.nat(), message: text },
        { requiredKeys: ['kind', 'atMs', 'invariant', 'ok'] },
      ),
    );
    fc.assert(
      fc.property(event, (e) => {
        expect(eventLine(e)).toBe(canonicalJson(e));
      }),
      { numRuns: 2000 },
    );
  });
});
