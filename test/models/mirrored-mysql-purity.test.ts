/**
 * The mirrored-MySQL baseline's machines (models/ebs-volume.machine.ts,
 * models/mirrored-instance.machine.ts, models/binlog-replica.machine.ts; docs/protocol.md §16),
 * stepped only through deep-frozen snapshots (`FrozenDriver`), so every step here is also a purity
 * test, and every event each machine handles is stepped at least once.
 */
import { describe, expect, it } from 'vitest';
import type { AnyStateMachine } from 'xstate';
import { ebsVolumeMachine } from '../../models/ebs-volume.machine.js';
import { CHECKPOINT_TIMER, mirroredInstanceMachine } from '../../models/mirrored-instance.machine.js';
import type { MirroredInstanceInput } from '../../models/mirrored-instance.machine.js';
import { binlogReplicaMachine } from '../../models/binlog-replica.machine.js';
import type { BlockWrite } from '../../models/mirrored-mysql-messages.js';
import type { TxnRequestMessage } from '../../models/messages.js';
import type { Effect } from '../../src/explore/stepped-actor.js';
import { FrozenDriver, handledEventTypes } from './purity.js';
import type { Scheduled } from './purity.js';

const PRIMARY = 'mysql:a:primary';
const STANDBY = 'mysql:b:standby';
const VOLUME = 'ebs:a:primary';
const MIRROR = 'ebs:a:primary-mirror';
const REPLICA = 'mysql:c:replica';
const CLIENT = 'client:1';

const sends = (effects: Effect[]) => effects.flatMap((effect) => (effect.kind === 'send' ? [{ to: effect.to, message: effect.message as Record<string, unknown> }] : []));
const observed = (effects: Effect[]) => effects.flatMap((effect) => (effect.kind === 'observe' ? [effect.observation as Record<string, unknown>] : []));
const timers = (effects: Effect[]): Scheduled[] => effects.filter((effect): effect is Scheduled => effect.kind === 'schedule');
const txn = (txnId: number, keys: readonly string[]): TxnRequestMessage => ({ type: 'txnRequest', from: CLIENT, txnId, ops: keys.map((key) => ({ f: 'put', key, value: `v${txnId}` })) });
const write = (writeId: number, kind: BlockWrite['kind'], txnIds: number[] = [], blocks = 1): BlockWrite => ({ origin: PRIMARY, writeId, kind, blocks, txnIds });

/** Every event type the chart handles was stepped by one of the drivers. */
function expectCovered(machine: AnyStateMachine, drivers: readonly FrozenDriver<AnyStateMachine>[]): void {
  const covered = new Set(drivers.flatMap((driver) => [...driver.covered]));
  expect(handledEventTypes(machine).filter((type) => !covered.has(type))).toEqual([]);
}

describe('EBS volume: a write is acknowledged once the device and the mirror have it', () => {
  it('copies to the mirror at once, reports the device write, and acknowledges after both; a repeat is ignored', () => {
    const volume = new FrozenDriver(ebsVolumeMachine, { self: VOLUME, mirror: MIRROR, latencySamplesMs: [0.7, 1.2] });
    const request = { type: 'ebsWrite' as const, from: PRIMARY, write: write(1, 'redo', [5]) };
    const first = volume.step(request);
    expect(sends(first)).toEqual([{ to: MIRROR, message: { type: 'ebsWrite', from: VOLUME, write: write(1, 'redo', [5]) } }]);
    expect(timers(first).map((timer) => timer.delayMs)).toEqual([0.7]);
    expect(volume.step(request)).toEqual([]);
    const device = volume.fire(timers(first)[0]!);
    expect(observed(device)).toEqual([{ kind: 'ebsBlocksDurable', volume: VOLUME, write: write(1, 'redo', [5]) }]);
    expect(sends(device)).toEqual([]);
    const acked = volume.step({ type: 'ebsAck', from: MIRROR, origin: PRIMARY, writeId: 1 });
    expect(sends(acked)).toEqual([{ to: PRIMARY, message: { type: 'ebsAck', from: VOLUME, origin: PRIMARY, writeId: 1 } }]);
    expect(volume.context.pending).toEqual({});
    // The next write reads the next latency sample.
    expect(timers(volume.step({ ...request, write: write(2, 'binlog', [5]) })).map((timer) => timer.delayMs)).toEqual([1.2]);
    expectCovered(ebsVolumeMachine, [volume]);
  });

  it('a mirror volume (no mirror of its own) acknowledges when its device is done', () => {
    const mirror = new FrozenDriver(ebsVolumeMachine, { self: MIRROR, mirror: null, latencySamplesMs: [] });
    const effects = mirror.step({ type: 'ebsWrite', from: VOLUME, write: write(3, 'dataPage', [], 7) });
    expect(sends(effects)).toEqual([]);
    expect(timers(effects).map((timer) => timer.delayMs)).toEqual([0]);
    expect(sends(mirror.fire(timers(effects)[0]!))).toEqual([{ to: VOLUME, message: { type: 'ebsAck', from: MIRROR, origin: PRIMARY, writeId: 3 } }]);
  });
});

const primaryInput = (overrides: Partial<MirroredInstanceInput> = {}): MirroredInstanceInput => ({ self: PRIMARY, role: 'primary', volume: VOLUME, standby: STANDBY, replica: REPLICA, ...overrides });

describe('MySQL primary: a commit completes after the redo and binlog writes are on all four copies', () => {
  it('writes redo, mirrors it to the standby after its own volume, then the binlog; acknowledges and ships to the replica', () => {
    const primary = new FrozenDriver(mirroredInstanceMachine, primaryInput());
    expect(primary.state).toBe('primary');
    expect(timers(primary.startEffects).map((timer) => timer.timerId)).toEqual([CHECKPOINT_TIMER]);
    const took = primary.step(txn(1, ['k4', 'k9']));
    expect(sends(took)).toEqual([{ to: VOLUME, message: { type: 'ebsWrite', from: PRIMARY, write: write(1, 'redo', [1]) } }]);
    expect(observed(took)).toEqual([{ kind: 'ioIssued', instance: PRIMARY, write: write(1, 'redo', [1]) }]);
    expect(primary.context.dirtyPageCount).toBe(2);
    // Figure 2, steps 1 then 3: the standby gets the block only once the primary's volume has it.
    expect(sends(primary.step({ type: 'ebsAck', from: VOLUME, origin: PRIMARY, writeId: 1 }))).toEqual([{ to: STANDBY, message: { type: 'mirrorWrite', from: PRIMARY, write: write(1, 'redo', [1]) } }]);
    const redoDone = primary.step({ type: 'mirrorAck', from: STANDBY, writeId: 1 });
    expect(sends(redoDone).map(({ message }) => message.write)).toEqual([write(2, 'binlog', [1])]);
    primary.step({ type: 'ebsAck', from: VOLUME, origin: PRIMARY, writeId: 2 });
    const binlogDone = primary.step({ type: 'mirrorAck', from: STANDBY, writeId: 2 });
    expect(sends(binlogDone)).toEqual([
      { to: CLIENT, message: { type: 'txnOk', from: PRIMARY, txnId: 1, commitLsn: 1, reads: [] } },
      { to: REPLICA, message: { type: 'binlogShip', from: PRIMARY, txnIds: [1] } },
    ]);
    expect(observed(binlogDone)).toContainEqual({ kind: 'commitAcknowledged', instance: PRIMARY, txnIds: [1] });
  });

  it('group commit: commits arriving while a redo write is in flight share the next one', () => {
    const primary = new FrozenDriver(mirroredInstanceMachine, primaryInput({ standby: null, replica: null }));
    primary.step(txn(1, ['k1']));
    expect(sends(primary.step(txn(2, ['k2'])))).toEqual([]);
    expect(sends(primary.step(txn(3, ['k3'])))).toEqual([]);
    // No standby: complete on the volume's acknowledgement; the queued two go out as one write.
    const next = sends(primary.step({ type: 'ebsAck', from: VOLUME, origin: PRIMARY, writeId: 1 })).map(({ message }) => message.write);
    expect(next).toEqual([write(2, 'binlog', [1]), write(3, 'redo', [2, 3])]);
  });

  it('without group commit every commit has its own log writes', () => {
    const primary = new FrozenDriver(mirroredInstanceMachine, primaryInput({ standby: null, replica: null, groupCommit: false }));
    primary.step(txn(1, ['k1']));
    expect(sends(primary.step(txn(2, ['k2']))).map(({ message }) => message.write)).toEqual([write(2, 'redo', [2])]);
  });

  it('binlogSyncPerCommit false (sync_binlog=0): acknowledged after the redo write; the cached binlog is written at the checkpoint', () => {
    const primary = new FrozenDriver(mirroredInstanceMachine, primaryInput({ standby: null, replica: null, binlogSyncPerCommit: false }));
    primary.step(txn(1, ['k1']));
    const redoDone = primary.step({ type: 'ebsAck', from: VOLUME, origin: PRIMARY, writeId: 1 });
    expect(sends(redoDone)).toEqual([{ to: CLIENT, message: { type: 'txnOk', from: PRIMARY, txnId: 1, commitLsn: 1, reads: [] } }]);
    const tick = primary.fire(timers(primary.startEffects)[0]!);
    expect(sends(tick).map(({ message }) => message.write)).toEqual([write(2, 'binlog', [1]), write(3, 'doubleWrite', [], 1)]);
    // The binlog write's completion answers no one again.
    expect(sends(primary.step({ type: 'ebsAck', from: VOLUME, origin: PRIMARY, writeId: 2 }))).toEqual([]);
    expect(primary.context.commitSeq).toBe(1);
  });

  it('the checkpointer writes each dirty page once to the double-write buffer, then in place', () => {
    const primary = new FrozenDriver(mirroredInstanceMachine, primaryInput({ standby: null, replica: null, pagesDirtiedPerPut: 2, frmWritesPerCheckpoint: 1 }));
    primary.step(txn(1, ['k1', 'k2']));
    primary.step(txn(2, ['k1'])); // the same pages again: still 4 dirty pages
    expect(primary.context.dirtyPageCount).toBe(4);
    const tick = primary.fire(timers(primary.startEffects)[0]!);
    expect(sends(tick).map(({ message }) => message.write)).toEqual([write(2, 'doubleWrite', [], 4), write(3, 'frm', [], 1)]);
    expect(timers(tick).map((timer) => timer.timerId)).toEqual([CHECKPOINT_TIMER]);
    expect(primary.context.dirtyPageCount).toBe(0);
    expect(sends(primary.step({ type: 'ebsAck', from: VOLUME, origin: PRIMARY, writeId: 2 })).map(({ message }) => message.write)).toEqual([write(4, 'dataPage', [], 4)]);
    // A checkpoint with nothing dirty writes nothing.
    expect(sends(primary.fire(timers(tick)[0]!))).toEqual([]);
  });

  it('async mirroring (a planted mistake): complete on the own volume, copies shipped on a timer; a crash takes it offline', () => {
    const primary = new FrozenDriver(mirroredInstanceMachine, primaryInput({ replica: null, mirroring: 'async', asyncShipIntervalMs: 20 }));
    const ship = timers(primary.startEffects).find((timer) => timer.event.type === 'asyncShip')!;
    primary.step(txn(1, ['k1']));
    const acked = primary.step({ type: 'ebsAck', from: VOLUME, origin: PRIMARY, writeId: 1 });
    expect(sends(acked).map(({ to }) => to)).toEqual([VOLUME]); // the binlog write, not the standby
    expect(sends(primary.fire(ship))).toEqual([
      { to: STANDBY, message: { type: 'mirrorWrite', from: PRIMARY, write: write(1, 'redo', [1]) } },
      { to: STANDBY, message: { type: 'mirrorWrite', from: PRIMARY, write: write(2, 'binlog', [1]) } },
    ]);
    const crashed = primary.step({ type: 'crash' });
    expect(primary.state).toBe('crashed');
    expect(crashed.filter((effect) => effect.kind === 'cancel').length).toBe(2);
  });
});

describe('MySQL standby: mirrors blocks, takes over on promotion', () => {
  it('writes a mirrored block to its own volume and acknowledges it; refuses transactions; opens after failoverMs', () => {
    const standby = new FrozenDriver(mirroredInstanceMachine, { self: STANDBY, role: 'standby', volume: 'ebs:b:standby', replica: REPLICA });
    expect(standby.state).toBe('standby');
    const copied = standby.step({ type: 'mirrorWrite', from: PRIMARY, write: write(7, 'binlog', [1, 2]) });
    expect(sends(copied)).toEqual([
      { to: 'ebs:b:standby', message: { type: 'ebsWrite', from: STANDBY, write: { ...write(7, 'binlog', [1, 2]), origin: STANDBY, writeId: 1, mirrorOf: { origin: PRIMARY, writeId: 7 } } } },
    ]);
    expect(sends(standby.step({ type: 'ebsAck', from: 'ebs:b:standby', origin: STANDBY, writeId: 1 }))).toEqual([{ to: PRIMARY, message: { type: 'mirrorAck', from: STANDBY, writeId: 7 } }]);
    expect(standby.context.commitSeq).toBe(2);
    expect(sends(standby.step(txn(9, ['k1'])))).toEqual([{ to: CLIENT, message: { type: 'txnFail', from: STANDBY, txnId: 9, reason: 'readOnly' } }]);
    const promoted = standby.step({ type: 'promote', failoverMs: 75_000 });
    expect(standby.state).toBe('promoting');
    expect(timers(promoted).map((timer) => timer.delayMs)).toEqual([75_000]);
    expect(sends(standby.step(txn(10, ['k1']))).map(({ message }) => message.reason)).toEqual(['readOnly']);
    const opened = standby.fire(timers(promoted)[0]!);
    expect(standby.state).toBe('primary');
    expect(observed(opened)).toEqual([{ kind: 'writable', instance: STANDBY }]);
    // Open without a standby: a commit completes on its own volume; its binlog position continues.
    standby.step(txn(11, ['k1']));
    standby.step({ type: 'ebsAck', from: 'ebs:b:standby', origin: STANDBY, writeId: 2 });
    const ok = sends(standby.step({ type: 'ebsAck', from: 'ebs:b:standby', origin: STANDBY, writeId: 3 }));
    expect(ok[0]).toEqual({ to: CLIENT, message: { type: 'txnOk', from: STANDBY, txnId: 11, commitLsn: 3, reads: [] } });
  });

  it('covers every event the instance chart handles', () => {
    const drivers: FrozenDriver<AnyStateMachine>[] = [];
    const primary = new FrozenDriver(mirroredInstanceMachine, primaryInput({ mirroring: 'async' }));
    primary.step(txn(1, ['k1']));
    primary.step({ type: 'ebsAck', from: VOLUME, origin: PRIMARY, writeId: 1 });
    primary.step({ type: 'mirrorAck', from: STANDBY, writeId: 1 });
    for (const timer of timers(primary.startEffects)) primary.fire(timer);
    primary.step({ type: 'crash' });
    const standby = new FrozenDriver(mirroredInstanceMachine, { self: STANDBY, role: 'standby', volume: 'ebs:b:standby' });
    standby.step({ type: 'mirrorWrite', from: PRIMARY, write: write(1, 'redo', [1]) });
    standby.step({ type: 'promote', failoverMs: 1 });
    drivers.push(primary, standby);
    expectCovered(mirroredInstanceMachine, drivers);
  });
});

describe('Binlog replica: one SQL thread applies the relay log in order', () => {
  it('applies one transaction per applyMsPerTxn, in binlog order, and idles when the relay log is empty', () => {
    const replica = new FrozenDriver(binlogReplicaMachine, { self: REPLICA, applyMsPerTxn: 2 });
    const first = replica.step({ type: 'binlogShip', from: PRIMARY, txnIds: [1, 2] });
    expect(replica.state).toBe('applying');
    expect(timers(first).map((timer) => timer.delayMs)).toEqual([2]);
    replica.step({ type: 'binlogShip', from: PRIMARY, txnIds: [3] });
    const applied: unknown[] = [];
    let pending = timers(first);
    while (pending.length > 0) {
      const effects = replica.fire(pending[0]!);
      applied.push(...observed(effects).map((observation) => observation.txnId));
      pending = timers(effects);
    }
    expect(applied).toEqual([1, 2, 3]);
    expect(replica.state).toBe('idle');
    expect(replica.context.appliedTxns).toBe(3);
    expectCovered(binlogReplicaMachine, [replica]);
  });
});
