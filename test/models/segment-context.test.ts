/**
 * The segment's context stays below 20 top-level fields (models/segment.machine.ts). xstate's
 * `assign` copies the whole context with `Object.assign({}, context, update)` on every step that
 * changes it, and V8 makes such a copy of 20 or more fields a dictionary object, about twenty
 * times slower to build and slower to read. The segment handles most of a run's events, so one
 * more top-level field would cost every write; new fields go into `settings` or `gc`.
 */
import { initialTransition } from 'xstate';
import { describe, expect, it } from 'vitest';
import { segmentMachine } from '../../models/segment.machine.js';

describe('Segment: context shape (models/segment.machine.ts)', () => {
  it('has fewer than 20 top-level fields, with fixed settings and GC bookkeeping nested', () => {
    const [snapshot] = initialTransition(segmentMachine, { self: 'seg:pg0:a:1', pg: 0, kind: 'full', peers: [], diskLatencySamplesMs: [1], gossipPeriodMs: 50 });
    expect(Object.keys(snapshot.context).length).toBeLessThan(20);
    expect(snapshot.context.settings).toMatchObject({ gossipPeriodMs: 50, gossipIdlePeriodMs: 500, gcPeriodMs: 500, mrplLeaseTicks: 4, startsHydrating: false });
    expect(snapshot.context.gc).toEqual({ stagedLsn: 0, mrplHistory: [], ticksOnline: 0 });
  });
});
