/**
 * The backup service's restore-point index (docs/protocol.md §10, point-in-time restore): every
 * VDL the cluster's writer reached, with the virtual time it reached it. The database's state at
 * time t is the volume at VDL(t), the last VDL reached at or before t: exactly the transactions
 * whose commit LSN is at or below it, each durable by then. A VDL is always a CPL (S3), so every
 * point here is CPL-consistent; and no truncation ever annuls a record at or below a VDL a writer
 * reached (recovery's VDL′ is at least every VDL reached before it, SIGMOD'17 §4.3), so a point
 * stays valid after any later crash.
 *
 * The machines know no time (docs/determinism.md): the service keeps this index from the world's
 * stream of VDL publications, as Aurora's service keeps the time of its log [I]. Memory: two
 * numbers per VDL advance, in typed arrays that double as they fill.
 */

/** A restore point: a VDL and the time it was reached. */
export interface RestorePoint {
  lsn: number;
  reachedAtMs: number;
}

/** See the file header. */
export class RestorePointIndex {
  private times = new Float64Array(1024);
  private lsns = new Float64Array(1024);
  private count = 0;

  /** Records that the VDL reached `lsn` at `atMs`; a VDL that does not advance adds nothing. */
  add(atMs: number, lsn: number): void {
    if (this.count > 0 && lsn <= (this.lsns[this.count - 1] as number)) return;
    if (this.count === this.times.length) {
      const times = new Float64Array(this.count * 2);
      const lsns = new Float64Array(this.count * 2);
      times.set(this.times);
      lsns.set(this.lsns);
      this.times = times;
      this.lsns = lsns;
    }
    this.times[this.count] = atMs;
    this.lsns[this.count] = lsn;
    this.count++;
  }

  /** The point in force at `timeMs` (the last reached at or before it), or undefined before the first. */
  atTime(timeMs: number): RestorePoint | undefined {
    const index = this.lastIndexWhere((i) => (this.times[i] as number) <= timeMs);
    return index < 0 ? undefined : this.pointAt(index);
  }

  /** The highest point at or below `lsn`, or undefined when none is. */
  atOrBelowLsn(lsn: number): RestorePoint | undefined {
    const index = this.lastIndexWhere((i) => (this.lsns[i] as number) <= lsn);
    return index < 0 ? undefined : this.pointAt(index);
  }

  /** The first point above `lsn`, or undefined when the VDL never passed it. */
  firstAboveLsn(lsn: number): RestorePoint | undefined {
    const index = this.lastIndexWhere((i) => (this.lsns[i] as number) <= lsn) + 1;
    return index >= this.count ? undefined : this.pointAt(index);
  }

  /**
   * The latest time whose state lies at or below `lsn`, in whole milliseconds, up to `nowMs`:
   * the last millisecond before the VDL first passed `lsn`.
   */
  latestTimeAtOrBelow(lsn: number, nowMs: number): number {
    const next = this.firstAboveLsn(lsn);
    return next === undefined ? Math.floor(nowMs) : Math.ceil(next.reachedAtMs) - 1;
  }

  private pointAt(index: number): RestorePoint {
    return { lsn: this.lsns[index] as number, reachedAtMs: this.times[index] as number };
  }

  /** The last index whose entry satisfies a predicate true on a prefix (binary search); -1 if none. */
  private lastIndexWhere(holds: (index: number) => boolean): number {
    let low = 0;
    let high = this.count;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (holds(mid)) low = mid + 1;
      else high = mid;
    }
    return low - 1;
  }
}
