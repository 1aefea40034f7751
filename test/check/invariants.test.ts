/**
 * The writer-side invariants S1–S5 and S7 (docs/protocol.md §12) on small synthetic
 * observation streams: for each, a stream that passes and one that breaks it, with the numbers in
 * the message. S4 is pinned on a 4/6 write quorum (3 holders fail, 4 pass, 4 at another epoch fail)
 * and on its memory bound over 100k records.
 */
import { describe, expect, it } from 'vitest';
import type { InvariantChecker } from '../../src/check/invariants.js';
import { INVARIANT_NAMES, createInvariantChecker } from '../../src/check/invariants.js';
import type { PropertyResult } from '../../src/check/property.js';
import { segmentId } from '../../src/protocol/ids.js';
import type { Observation } from '../../src/protocol/observations.js';
import { persisted } from './observation-builders.js';
import { kOfN } from '../../src/protocol/quorum.js';

const SEGMENTS = ['s1', 's2', 's3', 's4', 's5', 's6'];
const LAL = 10;

const allocated = (
  volumeEpoch: number,
  vdl: number,
  records: [lsn: number, isCpl: boolean][],
  instance = 'w1',
  pg = 0,
): Observation => ({
  kind: 'allocated',
  instance,
  volumeEpoch,
  vdl,
  lal: LAL,
  records: records.map(([lsn, isCpl]) => ({ lsn, pg, isCpl })),
});

const watermarks = (
  volumeEpoch: number,
  points: { vdl: number; vcl: number; maxAllocated: number },
  instance = 'w1',
): Observation => ({ kind: 'watermarks', instance, volumeEpoch, ...points });

const commitAck = (volumeEpoch: number, txnId: number, commitLsn: number, vdl: number): Observation => ({
  kind: 'commitAck',
  instance: 'w1',
  volumeEpoch,
  txnId,
  commitLsn,
  vdl,
});

function checker(lal = LAL): InvariantChecker {
  return createInvariantChecker({ lal, writeQuorumByPg: { 0: kOfN(4, SEGMENTS.map(segmentId)) } });
}

/** Feeds the stream at t = 10, 20, … and returns the named result. */
function judge(stream: readonly Observation[], name: string, into: InvariantChecker = checker()): PropertyResult {
  stream.forEach((observation, i) => into.observe((i + 1) * 10, observation));
  const result = into.results().find((r) => r.name === name);
  if (result === undefined) throw new Error(`no result named ${name}`);
  return result;
}

const messages = (result: PropertyResult): string => result.firstViolations.map((v) => v.message).join('\n');

describe('Invariants: results', () => {
  it('reports the six properties in order, each always, vacuous on an empty run', () => {
    const results = checker().results();
    expect(results.map((r) => r.name)).toEqual(Object.values(INVARIANT_NAMES));
    expect(results.every((r) => r.kind === 'always' && r.ok && r.vacuous === true)).toBe(true);
  });
});

describe('Invariants: S1a LSN uniqueness', () => {
  it('passes increasing allocations, across a recovery gap', () => {
    const result = judge(
      [allocated(1, 0, [[1, false], [2, true]]), allocated(1, 0, [[3, true]]), allocated(2, 3, [[14, true]], 'w2')],
      INVARIANT_NAMES.s1,
    );
    expect(result).toMatchObject({ ok: true, violations: 0, vacuous: false });
  });

  it('fails an allocation that goes back within an instance and epoch', () => {
    const result = judge([allocated(1, 0, [[4, true], [5, true]]), allocated(1, 0, [[3, true]])], INVARIANT_NAMES.s1);
    expect(result).toMatchObject({ ok: false, violations: 1 });
    expect(result.firstViolations[0]).toMatchObject({ atMs: 20 });
    expect(messages(result)).toContain('w1 at volumeEpoch 1 allocated LSN 3 after LSN 5');
  });

  it('fails an LSN allocated twice, even by another writer at another epoch', () => {
    const result = judge([allocated(1, 0, [[1, true], [2, true]]), allocated(2, 0, [[2, true]], 'w2')], INVARIANT_NAMES.s1);
    expect(result).toMatchObject({ ok: false, violations: 1 });
    expect(messages(result)).toContain('w2 at volumeEpoch 2 allocated LSN 2, which was already allocated');
  });

  it('fails LSN 0, which means "none"', () => {
    const result = judge([allocated(1, 0, [[0, true]])], INVARIANT_NAMES.s1);
    expect(messages(result)).toContain('allocated LSN 0 (expected a positive integer)');
  });
});

describe('Invariants: S2 LAL', () => {
  it('passes allocations up to VDL + LAL', () => {
    const result = judge(
      [watermarks(1, { vdl: 0, vcl: 0, maxAllocated: 0 }), allocated(1, 0, [[9, false], [10, true]])],
      INVARIANT_NAMES.s2,
    );
    expect(result).toMatchObject({ ok: true, vacuous: false });
  });

  it('fails an LSN above the VDL the allocation claims + LAL', () => {
    const result = judge([allocated(1, 0, [[10, false], [11, true]])], INVARIANT_NAMES.s2);
    expect(result).toMatchObject({ ok: false, violations: 1 });
    expect(messages(result)).toContain('allocated LSN 11 > claimed VDL 0 + LAL 10 = 10');
  });

  it('fails an LSN above the last reported VDL + LAL, whatever the allocation claims', () => {
    const result = judge(
      [watermarks(1, { vdl: 2, vcl: 2, maxAllocated: 2 }), allocated(1, 5, [[13, true]])],
      INVARIANT_NAMES.s2,
    );
    expect(result).toMatchObject({ ok: false, violations: 1 });
    expect(messages(result)).toContain('allocated LSN 13 > last reported VDL 2 + LAL 10 = 12');
  });
});

describe('Invariants: S3 point ordering', () => {
  const prefix = [allocated(1, 0, [[1, false], [2, true], [3, false]])];

  it('passes VDL ≤ VCL ≤ maxAllocated, VDL a CPL, all non-decreasing', () => {
    const result = judge(
      [
        ...prefix,
        watermarks(1, { vdl: 0, vcl: 1, maxAllocated: 3 }),
        watermarks(1, { vdl: 2, vcl: 3, maxAllocated: 3 }),
      ],
      INVARIANT_NAMES.s3,
    );
    expect(result).toMatchObject({ ok: true, violations: 0 });
  });

  it('accepts a recovered writer starting at the end of its truncation range, below its first LSN', () => {
    const result = judge(
      [allocated(2, 13, [[14, true]], 'w2'), watermarks(2, { vdl: 13, vcl: 13, maxAllocated: 14 }, 'w2')],
      INVARIANT_NAMES.s3,
    );
    expect(result.ok).toBe(true);
  });

  it('fails VDL > VCL and VCL > maxAllocated', () => {
    const result = judge([...prefix, watermarks(1, { vdl: 2, vcl: 1, maxAllocated: 0 })], INVARIANT_NAMES.s3);
    expect(messages(result)).toContain('reported VDL 2 > VCL 1');
    expect(messages(result)).toContain('reported VCL 1 > maxAllocated 0');
  });

  it('fails a VDL that is not an allocated CPL', () => {
    const result = judge(
      [...prefix, watermarks(1, { vdl: 0, vcl: 0, maxAllocated: 3 }), watermarks(1, { vdl: 3, vcl: 3, maxAllocated: 3 })],
      INVARIANT_NAMES.s3,
    );
    expect(result).toMatchObject({ ok: false, violations: 1 });
    expect(messages(result)).toContain('moved VDL to 3, which is not a CPL allocated at that epoch');
  });

  it('fails a first VDL at or above the epoch’s first LSN that is not a CPL', () => {
    const result = judge([...prefix, watermarks(1, { vdl: 1, vcl: 1, maxAllocated: 3 })], INVARIANT_NAMES.s3);
    expect(messages(result)).toContain('first reported VDL 1: not a CPL it allocated and not below its first LSN 1');
  });

  it('fails a point that goes back within an epoch', () => {
    const result = judge(
      [...prefix, watermarks(1, { vdl: 2, vcl: 3, maxAllocated: 3 }), watermarks(1, { vdl: 2, vcl: 2, maxAllocated: 3 })],
      INVARIANT_NAMES.s3,
    );
    expect(result).toMatchObject({ ok: false, violations: 1 });
    expect(messages(result)).toContain('reported vcl 2 after 3 (expected non-decreasing within an epoch)');
  });
});

describe('Invariants: S4 VDL durability (4/6 write quorum)', () => {
  const moveVdl = watermarks(1, { vdl: 1, vcl: 1, maxAllocated: 1 });

  it('passes when the record is on 4 of 6 segments at the writer’s epoch', () => {
    const result = judge([allocated(1, 0, [[1, true]]), ...persisted(SEGMENTS.slice(0, 4), 1, [1]), moveVdl], INVARIANT_NAMES.s4);
    expect(result).toMatchObject({ ok: true, violations: 0, vacuous: false });
  });

  it('counts gossip as persisting', () => {
    const stream = [
      allocated(1, 0, [[1, true]]),
      ...persisted(SEGMENTS.slice(0, 3), 1, [1]),
      ...persisted(['s6'], 1, [1], { via: 'gossip', source: 's1' }),
      moveVdl,
    ];
    expect(judge(stream, INVARIANT_NAMES.s4).ok).toBe(true);
  });

  it('fails a VDL that passes a record on only 3 of 6', () => {
    const result = judge([allocated(1, 0, [[1, true]]), ...persisted(SEGMENTS.slice(0, 3), 1, [1]), moveVdl], INVARIANT_NAMES.s4);
    expect(result).toMatchObject({ ok: false, violations: 1 });
    expect(result.firstViolations[0]?.atMs).toBe(50);
    expect(messages(result)).toContain(
      'w1 at volumeEpoch 1 moved VDL to 1, but record LSN 1 (PG 0) was persisted at that epoch by 3 segment(s) [s1, s2, s3]',
    );
  });

  it('fails when the 4 segments persisted it at another volume epoch', () => {
    const result = judge([allocated(1, 0, [[1, true]]), ...persisted(SEGMENTS.slice(0, 4), 2, [1]), moveVdl], INVARIANT_NAMES.s4);
    expect(result).toMatchObject({ ok: false, violations: 1 });
    expect(messages(result)).toContain('by 0 segment(s) []');
  });

  it('fails a record of a PG with no write quorum configured', () => {
    const result = judge(
      [allocated(1, 0, [[1, true]], 'w1', 7), ...persisted(SEGMENTS, 1, [1], { pg: 7 }), moveVdl],
      INVARIANT_NAMES.s4,
    );
    expect(messages(result)).toContain('record LSN 1 (PG 7) was persisted at that epoch by 6 segment(s)');
    expect(messages(result)).toContain('no write quorum is configured for that PG');
  });

  it('judges only records at or below the new VDL, each once', () => {
    const into = checker();
    const stream = [
      allocated(1, 0, [[1, true], [2, true]]),
      ...persisted(SEGMENTS.slice(0, 4), 1, [1]),
      moveVdl,
      moveVdl,
      ...persisted(SEGMENTS.slice(0, 4), 1, [1, 2]),
      watermarks(1, { vdl: 2, vcl: 2, maxAllocated: 2 }),
    ];
    expect(judge(stream, INVARIANT_NAMES.s4, into).ok).toBe(true);
    expect(into.pendingRecordCount()).toBe(0);
  });

  it('keeps its bookkeeping small over 100k records allocated, persisted and verified', () => {
    // MTRs of 100 records need a LAL of at least 100.
    const into = checker(1000);
    let t = 0;
    let pendingMax = 0;
    const holders = SEGMENTS.slice(0, 5);
    for (let first = 1; first <= 100_000; first += 100) {
      const lsns = Array.from({ length: 100 }, (_, i) => first + i);
      const last = first + 99;
      into.observe((t += 1), allocated(1, first - 1, lsns.map((l) => [l, l === last])));
      pendingMax = Math.max(pendingMax, into.pendingRecordCount());
      for (const observation of persisted(holders, 1, lsns)) into.observe((t += 1), observation);
      into.observe((t += 1), watermarks(1, { vdl: last, vcl: last, maxAllocated: last }));
      // A late duplicate for verified records is ignored.
      for (const observation of persisted(['s6'], 1, lsns, { via: 'gossip', source: 's1' })) into.observe((t += 1), observation);
    }
    expect(pendingMax).toBe(100);
    expect(into.pendingRecordCount()).toBe(0);
    expect(into.results().filter((r) => !r.ok)).toEqual([]);
  });
});

describe('Invariants: S5 commit rule', () => {
  const prefix = [allocated(1, 0, [[1, false], [2, true]]), watermarks(1, { vdl: 2, vcl: 2, maxAllocated: 2 })];

  it('passes an ack at or below the reported VDL, on a CPL', () => {
    expect(judge([...prefix, commitAck(1, 7, 2, 2)], INVARIANT_NAMES.s5)).toMatchObject({ ok: true, vacuous: false });
  });

  it('fails an ack above the last reported VDL', () => {
    const stream = [...prefix, allocated(1, 2, [[3, true]]), commitAck(1, 7, 3, 3)];
    const result = judge(stream, INVARIANT_NAMES.s5);
    expect(result).toMatchObject({ ok: false, violations: 1 });
    expect(messages(result)).toContain('acknowledged txn 7 at commit LSN 3 but last reported VDL 2');
  });

  it('fails an ack of an LSN that is not an allocated CPL', () => {
    const result = judge([...prefix, commitAck(1, 7, 1, 2)], INVARIANT_NAMES.s5);
    expect(messages(result)).toContain('commit LSN 1, an LSN not seen allocated as a CPL');
  });

  it('fails an ack before any VDL report at the epoch', () => {
    const result = judge([allocated(2, 0, [[5, true]]), commitAck(2, 8, 5, 5)], INVARIANT_NAMES.s5);
    expect(messages(result)).toContain('acknowledged txn 8 at commit LSN 5 before reporting any VDL at that epoch');
  });
});

describe('Invariants: S7 one writer per epoch', () => {
  it('passes one writer per epoch, epochs rising, gossip from anyone', () => {
    const stream = [
      ...persisted(['s1', 's2'], 1, [1]),
      ...persisted(['s1'], 1, [2], { via: 'gossip', source: 's3' }),
      ...persisted(['s1', 's2'], 2, [14], { source: 'w2' }),
    ];
    expect(judge(stream, INVARIANT_NAMES.s7)).toMatchObject({ ok: true, violations: 0 });
  });

  it('fails a second writer at an epoch', () => {
    const result = judge([...persisted(['s1'], 1, [1]), ...persisted(['s2'], 1, [2], { source: 'w2' })], INVARIANT_NAMES.s7);
    expect(result).toMatchObject({ ok: false, violations: 1 });
    expect(messages(result)).toContain('s2 persisted a write from w2 at volumeEpoch 1, but w1 wrote at that epoch first (s1 at t=10 ms');
  });

  it('fails a segment that goes back in epoch', () => {
    const stream = [...persisted(['s1'], 2, [14], { source: 'w2' }), ...persisted(['s1'], 1, [3])];
    const result = judge(stream, INVARIANT_NAMES.s7);
    expect(result).toMatchObject({ ok: false, violations: 1 });
    expect(messages(result)).toContain('s1 persisted a write from w1 at volumeEpoch 1 after one at volumeEpoch 2');
  });
});
