/**
 * The backup service's choice of restore point (src/simulation/backup-service.ts), fed by hand:
 * the state at the time asked, or, when the object store does not hold that on every PG, the
 * highest VDL it does hold — chosen by LSN, so two VDL advances less than a millisecond apart are
 * told apart (a heavy-load run restored to the lower of two such points before, and S20 caught it).
 */
import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { WorldEvent } from '../../src/cluster/host.js';
import { restoredClusters } from '../../src/cluster/restores.js';
import { resolveTopology } from '../../src/cluster/topology.js';
import { parseScenario } from '../../src/scenarios/schema.js';
import { BackupService } from '../../src/simulation/backup-service.js';

const scenario = parseScenario({ name: 'svc', topology: { pgCount: 2 }, backup: {}, faults: [{ atMs: 10, kind: 'pointInTimeRestore', toTimeMs: 9 }] }, 'test');
const topology = resolveTopology(scenario.topology, scenario.workload.clients);
const [cluster] = restoredClusters(scenario, topology);

function service(nowMs: number) {
  const events = new Subject<WorldEvent>();
  const injected: { id: string; event: unknown }[] = [];
  const backup = new BackupService({
    scenario,
    topology,
    listen: (handler) => events.subscribe(handler),
    snapshotOf: () => ({ value: 'idle', context: { bytesRestored: 0 } }),
    inject: (id, event) => void injected.push({ id, event }),
    nowMs: () => nowMs,
  });
  const vdl = (atMs: number, value: number): void =>
    events.next({ source: 'publish', atMs, actorId: topology.writer.id, publication: { stream: 'vdl', item: { volumeEpoch: 1, vdl: value } } } as WorldEvent);
  const staged = (atMs: number, pg: number, stagedLsn: number): void =>
    events.next({ source: 'observe', atMs, actorId: 's3:us-east-1', observation: { kind: 'staged', objectStore: 's3:us-east-1', pg, stagedLsn, records: 1, bytes: 65, stagedAtMs: atMs } });
  return { backup, injected, vdl, staged };
}

describe('backup service: the restore point', () => {
  it('takes the highest staged VDL even when the next advance comes within the same millisecond', () => {
    const { backup, injected, vdl, staged } = service(10);
    vdl(4.1, 90);
    vdl(5.1, 100);
    vdl(5.4, 120);
    // Both PGs staged to 130: 120 is held; 140, reached 0.4 ms later, is not. The last whole
    // millisecond before 140 is 5, when the VDL was still 90: a choice by time would lose 100 and 120.
    vdl(5.8, 140);
    staged(6, 0, 130);
    staged(6, 1, 135);
    expect(backup.latestRestorable()).toEqual({ timeMs: 5, lsn: 120 });
    backup.requestRestore(cluster!);
    expect(injected).toEqual([{ id: 'restore-1:job', event: { type: 'restoreRequest', throughLsn: 120 } }]);
  });

  it('takes the state at the time asked when it is held, and nothing before the first VDL', () => {
    const early = service(10);
    early.vdl(4, 100);
    early.vdl(9.5, 200);
    early.staged(9.6, 0, 300);
    early.staged(9.6, 1, 300);
    // Asked for 9 ms: the VDL then was 100, though 200 is staged too.
    early.backup.requestRestore(cluster!);
    expect(early.injected[0]?.event).toEqual({ type: 'restoreRequest', throughLsn: 100 });
    const none = service(10);
    none.backup.requestRestore(cluster!);
    expect(none.injected[0]?.event).toEqual({ type: 'restoreRequest', throughLsn: 0 });
  });
});
