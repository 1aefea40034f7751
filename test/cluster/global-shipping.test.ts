/**
 * The Global Database replicator pipeline (src/cluster/global-shipping.ts; docs/protocol.md §11.1;
 * §13, G1): a Subject of WorldEvents stands in for the world, with the writer `inst:writer` in
 * us-east-1 publishing redo MTRs, VDL advances and commit acknowledgements; receivers for
 * `replication:eu-west-1` and `replication:ap-south-1` on the kernel's network collect what
 * arrives and acknowledge it. Checks: whole MTRs in LSN order, the shipped VDL never above the
 * records shipped (S17), batch limits splitting on MTR boundaries, pause and catch-up, a region
 * left out, the lag stream, messages lost or unacknowledged sent again in order, nothing sent
 * while the writer is down, and one end to end run into a region statechart whose durable LSN
 * follows the secondary VCL.
 */
import { Subject } from 'rxjs';
import { createActor } from 'xstate';
import { describe, expect, it } from 'vitest';
import { globalRegionMachine } from '../../models/global-region.machine.js';
import type { GlobalRegionEvent, GlobalRegionObservation } from '../../models/global-region.machine.js';
import type { GlobalApplyMessage, RedoRecord } from '../../models/messages.js';
import { GlobalShippingOptionsError, shipRedoToRegions } from '../../src/cluster/global-shipping.js';
import type { GlobalLinkOptions, GlobalShippingLag } from '../../src/cluster/global-shipping.js';
import type { WorldEvent } from '../../src/cluster/host.js';
import { createKernel } from '../../src/kernel/kernel.js';
import type { Kernel } from '../../src/kernel/kernel.js';
import { recordDigest } from '../../src/protocol/global.js';
import type { Lsn, RegionId } from '../../src/protocol/ids.js';
import { blockId, lsn, pgId, regionId, volumeEpoch } from '../../src/protocol/ids.js';

const EAST = regionId('us-east-1');
const EU = regionId('eu-west-1');
const AP = regionId('ap-south-1');
const WRITER = 'inst:writer';

/** One MTR of records `from`..`to`, the last its CPL; `commit` makes the CPL a commit record. */
function mtr(from: number, to: number, commit = false): RedoRecord[] {
  return Array.from({ length: to - from + 1 }, (_, i): RedoRecord => {
    const at = from + i;
    return {
      lsn: lsn(at),
      pg: pgId(at % 2),
      blockId: blockId(at % 5),
      prevVolumeLsn: lsn(at - 1),
      prevPgLsn: lsn(Math.max(0, at - 2)),
      prevBlockLsn: lsn(0),
      isCpl: at === to,
      mtrId: from,
      txnId: from,
      isCommit: commit && at === to,
      payload: { kind: 'put', key: `k${at}`, value: `v${at}` },
    };
  });
}

interface Rig {
  kernel: Kernel;
  events: Subject<WorldEvent>;
  inbox: Record<string, { atMs: number; message: GlobalApplyMessage }[]>;
  regions: RegionId[];
  shipping: ReturnType<typeof shipRedoToRegions>;
  lags: Record<string, GlobalShippingLag[]>;
  /** At virtual time `atMs`: the writer publishes records. */
  redo(atMs: number, records: RedoRecord[]): void;
  vdl(atMs: number, vdl: number): void;
  commit(atMs: number, commitLsn: number): void;
  /** Every record LSN that arrived at `region`, in arrival order. */
  arrived(region: RegionId): number[];
}

const LOCALITY = { regionId: EAST, azId: 'use1-az1' };

/**
 * The world stand-in. Receivers take each message once, in order, keep what comes after a gap
 * until it is filled, and acknowledge the highest taken, as the replication agent does;
 * `acknowledge: false` leaves everything unacknowledged.
 */
function rig(links: Record<string, GlobalLinkOptions> = {}, attachReceivers = true, acknowledge = true, from?: (actorId: string) => boolean): Rig {
  const kernel = createKernel({ seed: 7 });
  const events = new Subject<WorldEvent>();
  const inbox: Rig['inbox'] = { [EU]: [], [AP]: [] };
  kernel.network.attach(WRITER, LOCALITY, () => undefined);
  if (attachReceivers) {
    for (const [region, azId] of [[EU, 'euw1-az1'], [AP, 'aps1-az1']] as const) {
      const self = `replication:${region}`;
      let taken = 0;
      const kept = new Map<number, GlobalApplyMessage>();
      kernel.network.attach(self, { regionId: region, azId }, (envelope) => {
        const message = envelope.message as GlobalApplyMessage;
        if (message.seq > taken) kept.set(message.seq, message);
        for (let next = kept.get(taken + 1); next !== undefined; next = kept.get(taken + 1)) {
          kept.delete(next.seq);
          taken = next.seq;
          inbox[region]?.push({ atMs: kernel.clock.now(), message: next });
        }
        const missing = range(taken + 1, Math.max(taken, ...kept.keys())).filter((seq) => !kept.has(seq));
        if (acknowledge) kernel.network.send(self, `replicator:${region}`, { type: 'globalApplyAck', from: self, region, seq: taken, missing });
      });
    }
  }
  const regions = [EU, AP];
  const shipping = shipRedoToRegions({ events$: events, network: kernel.network, scheduler: kernel.clock.scheduler, primaryRegion: EAST, locality: LOCALITY, secondaries: () => regions, links, ...(from === undefined ? {} : { from }) });
  const lags: Record<string, GlobalShippingLag[]> = { [EU]: [], [AP]: [] };
  for (const region of [EU, AP]) shipping.lag$(region).subscribe((lag) => lags[region]?.push(lag));
  const at = (atMs: number, event: (nowMs: number) => WorldEvent): void => void kernel.clock.scheduleAt(atMs, () => events.next(event(atMs)));
  return {
    kernel,
    events,
    inbox,
    regions,
    shipping,
    lags,
    redo: (atMs, records) =>
      at(atMs, (nowMs) => ({ source: 'publish', atMs: nowMs, actorId: WRITER, publication: { stream: 'redo', item: { volumeEpoch: volumeEpoch(1), records } } })),
    vdl: (atMs, vdl) => at(atMs, (nowMs) => ({ source: 'publish', atMs: nowMs, actorId: WRITER, publication: { stream: 'vdl', item: { volumeEpoch: volumeEpoch(1), vdl: lsn(vdl) } } })),
    commit: (atMs, commitLsn) =>
      at(atMs, (nowMs) => ({
        source: 'observe',
        atMs: nowMs,
        actorId: WRITER,
        observation: { kind: 'commitAck', instance: WRITER, volumeEpoch: 1, txnId: commitLsn, commitLsn, vdl: commitLsn },
      })),
    arrived: (region) => (inbox[region] ?? []).flatMap(({ message }) => message.records.map((record) => record.lsn as number)),
  };
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Every message ends on an MTR boundary, and its VDL is never above the highest LSN shipped so far (S17). */
function expectWholeAndCovered(messages: readonly { message: GlobalApplyMessage }[]): void {
  let highest = 0;
  for (const { message } of messages) {
    const last = message.records[message.records.length - 1];
    if (last !== undefined) {
      expect(last.isCpl).toBe(true);
      highest = last.lsn;
    }
    expect(message.primaryVdl).toBeLessThanOrEqual(highest);
  }
}

describe('Global shipping: whole MTRs, in order, VDL behind the records', () => {
  it('ships every MTR whole and in LSN order to each region, the records as published, over the cross-region latency', () => {
    const r = rig();
    const all = [...mtr(1, 3), ...mtr(4, 4), ...mtr(5, 6), ...mtr(7, 9), ...mtr(10, 10)];
    r.redo(0, all.slice(0, 6)); // MTRs 1-3, 4, 5-6
    r.vdl(1, 4);
    r.redo(2, all.slice(6, 8)); // 7, 8: half an MTR
    r.vdl(3, 6);
    r.redo(5, all.slice(8)); // 9 (its CPL), 10
    r.vdl(6, 10);
    r.kernel.clock.runUntilIdle();
    for (const region of [EU, AP]) {
      const inbox = r.inbox[region] ?? [];
      expect(r.arrived(region)).toEqual(range(1, 10));
      expect(inbox.flatMap(({ message }) => message.records)).toEqual(all);
      expectWholeAndCovered(inbox);
      // 7 and 8 waited for their CPL: they travel with 9, never alone.
      expect(inbox.some(({ message }) => message.records.map((record) => record.lsn as number).join() === '7,8,9,10')).toBe(true);
      expect(inbox[inbox.length - 1]?.message.primaryVdl).toBe(10);
      // Cross-region: the default median is 100 ms (docs/protocol.md §14).
      expect(inbox[0]?.atMs).toBeGreaterThan(50);
      expect(inbox.every(({ message }) => message.type === 'globalApply' && message.from === `replicator:${region}`)).toBe(true);
      expect(inbox.map(({ message }) => message.seq)).toEqual(range(1, inbox.length));
    }
  });

  it('a VDL advance with no new record goes on its own message; commits travel with their times', () => {
    const r = rig();
    r.redo(0, mtr(1, 2, true));
    r.commit(4, 2);
    r.vdl(3, 2);
    r.kernel.clock.runUntilIdle();
    const messages = (r.inbox[EU] ?? []).map(({ message }) => ({ lsns: message.records.map((record) => record.lsn as number), vdl: message.primaryVdl, commits: message.commits }));
    expect(messages).toEqual([
      { lsns: [1, 2], vdl: 0, commits: [] },
      { lsns: [], vdl: 2, commits: [] },
      { lsns: [], vdl: 2, commits: [{ lsn: 2, atMs: 4 }] },
    ]);
  });

  it('a batch limit splits a backlog on MTR boundaries, and no message names a VDL above the records shipped so far', () => {
    const r = rig({ [EU]: { maxBatchRecords: 4 } });
    const sizes = [3, 1, 2, 2, 3, 1, 1, 5, 2];
    let next = 1;
    const mtrs: RedoRecord[][] = [];
    for (const size of sizes) {
      mtrs.push(mtr(next, next + size - 1));
      next += size;
    }
    const last = next - 1;
    // Everything and the final VDL in one step; a middle VDL first, to be shipped only once covered.
    r.redo(0, mtrs.flat());
    r.vdl(0, 6);
    r.vdl(0, last);
    r.kernel.clock.runUntilIdle();
    const eu = r.inbox[EU] ?? [];
    expect(r.arrived(EU)).toEqual(range(1, last));
    expect(eu.length).toBeGreaterThan(3);
    for (const { message } of eu) {
      // At most 4 records, unless one MTR alone is larger (the 5-record one).
      if (message.records.length > 4) expect(message.records.filter((record) => record.isCpl)).toHaveLength(1);
    }
    expectWholeAndCovered(eu);
    expect(eu[0]?.message.primaryVdl).toBe(0); // records 1-4 do not reach VDL 6
    expect(eu.map(({ message }) => message.primaryVdl)).toContain(6);
    expect(eu[eu.length - 1]?.message.primaryVdl).toBe(last);
    // AP has no limit: one message with everything.
    expect(r.inbox[AP]).toHaveLength(1);
    // The lag stream reports the backlog draining message by message.
    const backlog = (r.lags[EU] ?? []).map((lag) => lag.backlogRecords);
    expect(backlog[0]).toBe(last - 4);
    expect(backlog[backlog.length - 1]).toBe(0);
    expect(backlog).toEqual([...backlog].sort((a, b) => b - a));
    expect((r.lags[EU] ?? []).every((lag) => lag.shippedVdl <= lag.highestShippedLsn)).toBe(true);
  });

  it('recordDigest tells records apart by content, not by LSN alone', () => {
    const [a] = mtr(1, 1);
    const [b] = mtr(1, 1);
    expect(a && recordDigest(a)).toEqual(b && recordDigest(b));
    const changed = { ...(a as RedoRecord), payload: { kind: 'put', key: 'k1', value: 'other' } } as RedoRecord;
    expect(recordDigest(changed).digest).not.toBe(a && recordDigest(a).digest);
    expect(recordDigest(changed)).toMatchObject({ lsn: 1, isCpl: true });
  });

  it('rejects link options it cannot ship with, naming the field', () => {
    const kernel = createKernel({ seed: 1 });
    const start = (links: Record<string, GlobalLinkOptions>) => () =>
      shipRedoToRegions({ events$: new Subject<WorldEvent>(), network: kernel.network, scheduler: kernel.clock.scheduler, primaryRegion: EAST, locality: LOCALITY, secondaries: () => [EU], links });
    expect(start({ [EU]: { maxBatchRecords: 0 } })).toThrow(GlobalShippingOptionsError);
    expect(start({ [EU]: { maxBatchRecords: 2.5 } })).toThrow(/links\.eu-west-1\.maxBatchRecords/);
    expect(start({ [EU]: { shipIntervalMs: -1 } })).toThrow(/links\.eu-west-1\.shipIntervalMs/);
  });
});

describe('Global shipping: pause, catch-up, intervals, regions left out', () => {
  it('a paused region receives nothing and then everything in order on resume; the other region is unaffected', () => {
    const r = rig({ [EU]: { maxBatchRecords: 3 } });
    r.kernel.clock.scheduleAt(0, () => r.shipping.pause(EU));
    for (let i = 0; i < 10; i += 1) {
      r.redo(i * 10, mtr(2 * i + 1, 2 * i + 2, true));
      r.vdl(i * 10 + 5, 2 * i + 2);
    }
    r.kernel.clock.runUntil(1_000);
    expect(r.inbox[EU]).toEqual([]);
    expect(r.arrived(AP)).toEqual(range(1, 20));
    const apBefore = r.inbox[AP]?.length ?? 0;
    const held = (r.lags[EU] ?? []).filter((lag) => lag.paused);
    expect(held.length).toBeGreaterThan(0);
    expect(held[held.length - 1]).toMatchObject({ backlogRecords: 20, highestShippedLsn: 0, shippedVdl: 0, durabilityLagMs: 90 });

    r.kernel.clock.scheduleAt(1_000, () => r.shipping.resume(EU));
    r.kernel.clock.runUntilIdle();
    expect(r.arrived(EU)).toEqual(range(1, 20));
    const eu = r.inbox[EU] ?? [];
    expectWholeAndCovered(eu);
    expect(eu.every(({ atMs }) => atMs > 1_000)).toBe(true);
    expect(eu.every(({ message }) => message.records.length <= 3)).toBe(true);
    expect(eu[eu.length - 1]?.message.primaryVdl).toBe(20);
    expect(r.inbox[AP]).toHaveLength(apBefore);
    const lastLag = (r.lags[EU] ?? []).at(-1);
    expect(lastLag).toMatchObject({ backlogRecords: 0, highestShippedLsn: 20, shippedVdl: 20, durabilityLagMs: 0, paused: false });
  });

  it('commits acknowledged while paused reach the region on resume, once each, in LSN order', () => {
    const r = rig();
    r.kernel.clock.scheduleAt(0, () => r.shipping.pause(EU));
    for (let i = 0; i < 4; i += 1) {
      r.redo(i * 10, mtr(i + 1, i + 1, true));
      r.vdl(i * 10 + 1, i + 1);
      r.commit(i * 10 + 2, i + 1);
    }
    r.kernel.clock.scheduleAt(100, () => r.shipping.resume(EU));
    r.kernel.clock.runUntilIdle();
    const commits = (r.inbox[EU] ?? []).flatMap(({ message }) => message.commits);
    expect(commits).toEqual([1, 2, 3, 4].map((commitLsn, i) => ({ lsn: commitLsn, atMs: i * 10 + 2 })));
    expect((r.inbox[AP] ?? []).flatMap(({ message }) => message.commits)).toEqual(commits);
  });

  it('a shipping interval gathers the steps within it into one message, sent that long after the first', () => {
    const r = rig({ [AP]: { shipIntervalMs: 100 } });
    const sentAt: Record<string, number[]> = { [EU]: [], [AP]: [] };
    r.shipping.shipped$.subscribe(({ atMs, observation }) => sentAt[observation.to]?.push(atMs));
    r.redo(0, mtr(1, 1));
    r.redo(30, mtr(2, 2));
    r.redo(60, mtr(3, 3));
    r.redo(150, mtr(4, 4));
    r.kernel.clock.runUntilIdle();
    expect(sentAt[EU]).toEqual([0, 30, 60, 150]);
    expect(sentAt[AP]).toEqual([100, 250]);
    expect((r.inbox[AP] ?? []).map(({ message }) => message.records.length)).toEqual([3, 1]);
  });

  it('a region left out of the list stops receiving; the others go on', () => {
    const r = rig();
    r.redo(0, mtr(1, 2));
    r.redo(10, mtr(3, 4));
    r.kernel.clock.scheduleAt(10, () => r.regions.splice(r.regions.indexOf(AP), 1)); // after the step's publication
    r.redo(20, mtr(5, 6));
    r.kernel.clock.runUntilIdle();
    expect(r.arrived(EU)).toEqual(range(1, 6));
    expect(r.arrived(AP)).toEqual([1, 2]);
  });

  it('a `shipped` observation per message names the primary, the region and the VDL shipped', () => {
    const r = rig();
    const shipped: unknown[] = [];
    r.shipping.shipped$.subscribe(({ observation }) => shipped.push(observation));
    r.redo(0, mtr(1, 3));
    r.vdl(0, 3);
    r.kernel.clock.runUntilIdle();
    expect(shipped).toEqual([
      { kind: 'shipped', from: EAST, to: EU, primaryVdl: 3 },
      { kind: 'shipped', from: EAST, to: AP, primaryVdl: 3 },
    ]);
  });
});

describe('Global shipping: lost messages, unacknowledged messages, a writer that is down', () => {
  it('messages lost on the link go again as soon as a later one shows them missing, or after resendAfterMs; each is taken once, in order', () => {
    const r = rig();
    // Cut the link to EU for the first two shipments only.
    const cut = r.kernel.network.partition(['replicator:eu-west-1'], ['replication:eu-west-1'], { oneWay: true });
    r.redo(0, mtr(1, 2, true));
    r.redo(10, mtr(3, 4, true));
    r.kernel.clock.scheduleAt(20, () => r.kernel.network.heal(cut));
    r.redo(30, mtr(5, 6, true));
    r.kernel.clock.runUntilIdle();
    expect(r.arrived(EU)).toEqual(range(1, 6));
    const eu = r.inbox[EU] ?? [];
    expect(eu.map(({ message }) => message.seq)).toEqual([1, 2, 3]);
    // 3 arrived after a gap and was kept; its acknowledgement listed 1 and 2 missing, and they
    // went again at once, a round trip after 3 was sent; 3 was taken with them.
    expect(eu.every(({ atMs }) => atMs > 200 && atMs < 1_000)).toBe(true);
    expect(eu[2]?.atMs).toBe(eu[1]?.atMs);
    expect(r.arrived(AP)).toEqual(range(1, 6));
    expect((r.inbox[AP] ?? []).every(({ atMs }) => atMs < 1_000)).toBe(true);
  });

  it('a message listed missing goes again at once, well before resendAfterMs', () => {
    const r = rig();
    r.redo(0, mtr(1, 2, true)); // acknowledged after about 200 ms: the round trip
    let cut = -1;
    r.kernel.clock.scheduleAt(500, () => {
      cut = r.kernel.network.partition(['replicator:eu-west-1'], ['replication:eu-west-1'], { oneWay: true });
    });
    r.redo(500, mtr(3, 4, true)); // lost
    r.kernel.clock.scheduleAt(510, () => r.kernel.network.heal(cut));
    r.redo(520, mtr(5, 6, true)); // arrives, listed 2 as missing
    r.kernel.clock.runUntilIdle();
    expect(r.arrived(EU)).toEqual(range(1, 6));
    const eu = r.inbox[EU] ?? [];
    const second = eu.find(({ message }) => message.seq === 2);
    // Sent at 500, listed missing when 3 arrived (~620 ms), the listing back at ~720 ms: sent again then.
    expect(second?.atMs).toBeGreaterThan(700);
    expect(second?.atMs).toBeLessThan(1_000);
  });

  it('a message never acknowledged is sent again every resendAfterMs while the link is open', () => {
    const r = rig({}, true, false);
    r.redo(0, mtr(1, 2, true));
    r.kernel.clock.runUntil(3_500);
    // Taken once (the receiver keeps the first), but sent to each region at 0, 1000, 2000 and 3000.
    expect((r.inbox[EU] ?? []).map(({ message }) => message.seq)).toEqual([1]);
    expect(r.kernel.network.stats.sent).toBe(2 * 4);
    r.shipping.unsubscribe();
  });

  it("ships only the instances `from` accepts: another writer's redo, VDL and commits stay out", () => {
    const r = rig({}, true, true, (actorId) => actorId === WRITER);
    r.redo(0, mtr(1, 2, true));
    r.vdl(1, 2);
    const other = 'inst:ap-south-1:replica1';
    r.kernel.clock.scheduleAt(2, () => {
      r.events.next({ source: 'publish', atMs: 2, actorId: other, publication: { stream: 'redo', item: { volumeEpoch: volumeEpoch(2), records: mtr(3, 4, true) } } });
      r.events.next({ source: 'publish', atMs: 2, actorId: other, publication: { stream: 'vdl', item: { volumeEpoch: volumeEpoch(2), vdl: lsn(4) } } });
      r.events.next({ source: 'observe', atMs: 2, actorId: other, observation: { kind: 'commitAck', instance: other, volumeEpoch: 2, txnId: 9, commitLsn: 4, vdl: 4 } });
    });
    r.kernel.clock.runUntilIdle();
    expect(r.arrived(EU)).toEqual([1, 2]);
    expect((r.inbox[EU] ?? []).map(({ message }) => message.primaryVdl)).not.toContain(4);
    expect((r.inbox[EU] ?? []).flatMap(({ message }) => message.commits)).toEqual([]);
  });

  it('nothing of a writer that is down is sent, or sent again; it goes once the writer is back', () => {
    const r = rig();
    r.kernel.clock.scheduleAt(0, () => r.kernel.network.setDown(WRITER, true));
    r.redo(1, mtr(1, 2, true));
    r.vdl(2, 2);
    r.kernel.clock.runUntil(500);
    expect(r.inbox[EU]).toEqual([]);
    r.kernel.clock.scheduleAt(600, () => r.kernel.network.setDown(WRITER, false));
    r.redo(700, mtr(3, 4, true));
    r.kernel.clock.runUntilIdle();
    expect(r.arrived(EU)).toEqual(range(1, 4));
    expect(r.inbox[EU]?.[0]?.atMs).toBeGreaterThan(700);
  });
});

describe('Global shipping into a region statechart', () => {
  it("the secondary's durable LSN follows the shipped VDL and its VCL, with the primary's records", () => {
    const r = rig({}, false);
    const observed: GlobalRegionObservation[] = [];
    const machine = globalRegionMachine.provide({
      actions: {
        send: () => undefined,
        observe: (_, params) => void observed.push(params),
      },
    });
    const actor = createActor(machine, {
      clock: r.kernel.clock,
      input: {
        self: 'global:eu-west-1',
        region: EU,
        primaryRegion: EAST,
        regions: [EAST, EU],
        volumeEndpoints: { [EAST]: 'metadata:us-east-1', [EU]: 'metadata:eu-west-1' },
      },
    }).start();
    // What the replication agent forwards: each shipment as digests, acknowledged.
    r.kernel.network.attach('replication:eu-west-1', { regionId: EU, azId: 'euw1-az1' }, (envelope) => {
      const message = envelope.message as GlobalApplyMessage;
      actor.send({ type: 'globalShip', from: 'replication:eu-west-1', records: message.records.map(recordDigest), primaryVdl: message.primaryVdl, commits: message.commits } as GlobalRegionEvent);
      r.kernel.network.send('replication:eu-west-1', 'replicator:eu-west-1', { type: 'globalApplyAck', from: 'replication:eu-west-1', region: EU, seq: message.seq });
    });
    r.kernel.network.attach('replication:ap-south-1', { regionId: AP, azId: 'aps1-az1' }, (envelope) =>
      r.kernel.network.send('replication:ap-south-1', 'replicator:ap-south-1', { type: 'globalApplyAck', from: 'replication:ap-south-1', region: AP, seq: (envelope.message as GlobalApplyMessage).seq }),
    );
    const all = [...mtr(1, 3, true), ...mtr(4, 5, true), ...mtr(6, 8, true)];
    r.redo(0, all);
    r.vdl(5, 5);
    r.commit(6, 3);
    r.commit(6, 5);
    r.kernel.clock.scheduleAt(500, () => actor.send({ type: 'volumeVcl', vcl: lsn(4) }));
    r.kernel.clock.runUntil(600);
    // VCL 4 is inside MTR 4-5: durable at the CPL 3 only.
    expect(actor.getSnapshot().context.durableLsn).toBe(3);
    r.kernel.clock.scheduleAt(700, () => actor.send({ type: 'volumeVcl', vcl: lsn(8) }));
    r.kernel.clock.runUntil(800);
    // VCL 8 covers everything shipped, but the shipped VDL is 5.
    expect(actor.getSnapshot().context.durableLsn).toBe(5);
    r.vdl(900, 8);
    r.kernel.clock.runUntil(1_200);
    expect(actor.getSnapshot().context.durableLsn).toBe(8);
    const durable = observed.filter((o): o is Extract<GlobalRegionObservation, { kind: 'secondaryDurable' }> => o.kind === 'secondaryDurable');
    expect(durable.map((o) => o.durableLsn as number)).toEqual([3, 5, 8]);
    expect(durable.flatMap((o) => o.records)).toEqual(all.map(recordDigest));
    expect(actor.getSnapshot().context.primaryCommits.map((commit) => commit.lsn as Lsn)).toContain(5);
    actor.stop();
  });
});
