/**
 * Where an actor sits in the topology and which statechart it runs, read from its id alone
 * (docs/glossary.md, "systemId"), so the viewer can place and draw any trace without the
 * scenario: `seg:pg3:us-east-1b:2` is copy 2 of PG 3 in AZ us-east-1b.
 */

/** An actor's place, as far as its id tells. */
export interface ActorPlace {
  readonly id: string;
  /** The `CLUSTER_STATECHARTS` name of its machine; absent for endpoints that are not actors (clients). */
  readonly machine?: string;
  /** `segment`, `instance`, `az`, `region`, `storage-node`, `service` (metadata, control planes), `client`, `other`. */
  readonly role: 'segment' | 'instance' | 'az' | 'region' | 'storage-node' | 'service' | 'client' | 'other';
  readonly region?: string;
  readonly az?: string;
  readonly pg?: number;
}

/** The region an AZ name belongs to: `us-east-1b` → `us-east-1` (AWS names AZs region + letter). */
export function regionOfAz(az: string): string | undefined {
  return /^(.*\d)[a-z]$/.exec(az)?.[1];
}

/** See the file header. Unknown ids are `other`, with no machine. */
export function placeOf(id: string): ActorPlace {
  // A restored or cloned cluster's actor, `restore-<n>:<id of the source's>` or `clone-<n>:…`,
  // sits where that one does; its job, `restore-<n>:job`, is a service (docs/protocol.md §10).
  const restored = /^(?:restore|clone)-\d+:(.+)$/.exec(id);
  if (restored !== null) {
    const rest = restored[1] as string;
    return rest === 'job' ? { id, machine: 'restore-job', role: 'service' } : { ...placeOf(rest), id };
  }
  const parts = id.split(':');
  const head = parts[0];
  // The region's object store (S3): `s3:<region>` (models/object-store.machine.ts).
  if (head === 's3' && parts.length === 2 && parts[1] !== '') return { id, machine: 'object-store', role: 'service', region: parts[1] as string };
  if (head === 'seg') {
    // `seg:pg<N>:<az>:<copy>` in a cluster; `seg:<az letter><copy>` in the explorer's tiny volume.
    if (parts.length === 4) {
      const pg = Number((parts[1] ?? '').replace(/^pg/, ''));
      const az = parts[2] as string;
      const region = regionOfAz(az);
      return { id, machine: 'segment', role: 'segment', az, ...(region === undefined ? {} : { region }), ...(Number.isInteger(pg) ? { pg } : {}) };
    }
    const az = (parts[1] ?? '').replace(/\d+$/, '');
    return { id, machine: 'segment', role: 'segment', pg: 0, ...(az === '' ? {} : { az }) };
  }
  // The heartbeat demo's monitor is `inst:monitor`, its watched nodes `node:<n>`.
  if (id === 'inst:monitor') return { id, machine: 'heartbeat-monitor', role: 'other' };
  if (head === 'inst') return { id, machine: 'instance', role: 'instance', ...(parts[1] === undefined ? {} : { region: parts[1] }) };
  if (id === 'writer') return { id, machine: 'instance', role: 'instance' };
  if (head === 'az' && parts[1] !== undefined) {
    const region = regionOfAz(parts[1]);
    return { id, machine: 'az', role: 'az', az: parts[1], ...(region === undefined ? {} : { region }) };
  }
  if (head === 'region' && parts[1] !== undefined) return { id, machine: 'region', role: 'region', region: parts[1] };
  // A Global Database region's actor: `global:<region>` (models/global-region.machine.ts).
  if (head === 'global' && parts.length === 2 && parts[1] !== '') return { id, machine: 'global-region', role: 'region', region: parts[1] as string };
  // A secondary region's replication agent: `replication:<region>` (models/global-applier.machine.ts).
  if (head === 'replication' && parts.length === 2 && parts[1] !== '') return { id, machine: 'global-applier', role: 'service', region: parts[1] as string };
  // A forwarding secondary's write forwarder: `forwarder:<region>` (models/write-forwarder.machine.ts).
  if (head === 'forwarder' && parts.length === 2 && parts[1] !== '') return { id, machine: 'write-forwarder', role: 'service', region: parts[1] as string };
  // A Serverless v2 instance's scaler: `scaler:<instance id>` (models/serverless-scaler.machine.ts).
  if (head === 'scaler' && parts[1] === 'inst' && parts[2] !== undefined && parts[2] !== '') return { id, machine: 'serverless-scaler', role: 'service', region: parts[2] };
  // A multi-writer cluster's writer: `mm-writer:inst:<region>:writer<n>` (models/mm-writer.machine.ts).
  if (head === 'mm-writer' && parts[1] === 'inst' && parts[2] !== undefined && parts[2] !== '') return { id, machine: 'mm-writer', role: 'instance', region: parts[2] };
  // A cluster's front door, with a `security` section: `front-door:<region>` (models/front-door.machine.ts).
  if (head === 'front-door' && parts.length === 2 && parts[1] !== '') return { id, machine: 'front-door', role: 'service', region: parts[1] as string };
  if (head === 'node' && parts.length === 3) {
    const az = parts[1] as string;
    const region = regionOfAz(az);
    return { id, machine: 'storage-node', role: 'storage-node', az, ...(region === undefined ? {} : { region }) };
  }
  if (head === 'node' && parts.length === 2) return { id, machine: 'heartbeat-responder', role: 'other' };
  if (id === 'metadata' || id === 'control-plane' || id === 'storage-control-plane') return { id, machine: id, role: 'service' };
  // A write-forwarding session of a secondary: `client:<region>:<n>`.
  if (head === 'client') return { id, role: 'client', ...(parts.length === 3 && parts[1] !== '' ? { region: parts[1] as string } : {}) };
  return { id, role: 'other' };
}
