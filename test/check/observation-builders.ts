/**
 * Observation builders shared by the judges' unit tests.
 */
import type { Observation } from '../../src/protocol/observations.js';

/** One `persisted` observation per segment: `lsns` persisted at `volumeEpoch`, SCL their highest. */
export const persisted = (
  segments: readonly string[],
  volumeEpoch: number,
  lsns: number[],
  options: { source?: string; via?: 'write' | 'gossip'; pg?: number; segmentVolumeEpoch?: number } = {},
): Observation[] =>
  segments.map((segment) => ({
    kind: 'persisted',
    segment,
    pg: options.pg ?? 0,
    source: options.source ?? 'w1',
    via: options.via ?? 'write',
    volumeEpoch,
    segmentVolumeEpoch: options.segmentVolumeEpoch ?? volumeEpoch,
    lsns,
    scl: Math.max(0, ...lsns),
  }));
