/**
 * The heartbeat world: one health monitor watching N responders across three AZs, with a fault
 * plan. It is the kernel demo (`aurora-actors demo`), the workload of the interpreter differential
 * test and of the determinism checks, and a compact example of assembling actors on the kernel.
 */
import type { MonitorContext } from '../../models/heartbeat.machine.js';
import { monitorMachine, responderMachine } from '../../models/heartbeat.machine.js';
import { createKernel } from '../kernel/kernel.js';
import type { Kernel } from '../kernel/kernel.js';
import type { NetworkOptions } from '../kernel/network.js';
import type { TraceOptions } from '../kernel/trace.js';
import type { ActorHost, ActorSpec } from './host.js';
import { LiveHost } from './live-host.js';

/** A fault of the heartbeat world, applied at virtual time `atMs`. */
export type HeartbeatFault =
  | { atMs: number; kind: 'crash' | 'restart'; target: string }
  | { atMs: number; kind: 'partition'; sideA: readonly string[]; sideB?: readonly string[]; oneWay?: boolean }
  | { atMs: number; kind: 'heal' };

/** Options of {@link runHeartbeatWorld}. */
export interface HeartbeatWorldOptions {
  seed: number;
  /** Number of responders, spread over az-a, az-b, az-c. @defaultValue 3 */
  responders?: number;
  /** @defaultValue 1000 */
  periodMs?: number;
  /** @defaultValue 3 */
  suspectAfterMisses?: number;
  /** Virtual time to run. @defaultValue 20_000 */
  durationMs?: number;
  network?: NetworkOptions;
  trace?: TraceOptions;
  /** @defaultValue crash the second responder at 5 s, restart it at 12 s */
  faults?: readonly HeartbeatFault[];
  /** Builds the interpreter. @defaultValue the live host */
  host?: (kernel: Kernel) => ActorHost;
}

/** What a heartbeat run produced. */
export interface HeartbeatWorldResult {
  seed: number;
  simulatedMs: number;
  traceHash: string;
  kernel: Kernel;
  host: ActorHost;
  monitorId: string;
  responderIds: string[];
}

const AZS = ['az-a', 'az-b', 'az-c'];
const REGION = 'region-1';

/** Builds and runs the heartbeat world; see the file header. */
export function runHeartbeatWorld(options: HeartbeatWorldOptions): HeartbeatWorldResult {
  const kernel = createKernel({ seed: options.seed, network: options.network, trace: options.trace });
  const host = options.host?.(kernel) ?? new LiveHost({ clock: kernel.clock, network: kernel.network, trace: kernel.trace });
  const monitorId = 'inst:monitor';
  const responderIds = Array.from({ length: options.responders ?? 3 }, (_, i) => `node:${i + 1}`);
  const specs: ActorSpec[] = [
    {
      id: monitorId,
      machine: monitorMachine,
      input: {
        self: monitorId,
        targets: responderIds,
        periodMs: options.periodMs ?? 1000,
        suspectAfterMisses: options.suspectAfterMisses ?? 3,
      },
      locality: { regionId: REGION, azId: 'az-a' },
    },
    ...responderIds.map((id, i) => ({
      id,
      machine: responderMachine,
      input: { self: id },
      locality: { regionId: REGION, azId: AZS[i % AZS.length] as string },
    })),
  ];
  host.spawnAll(specs);
  const faults = options.faults ?? defaultFaults(responderIds);
  for (const fault of faults) kernel.clock.scheduleAt(fault.atMs, () => applyFault(kernel, host, fault));
  kernel.clock.runUntil(options.durationMs ?? 20_000);
  return {
    seed: options.seed,
    simulatedMs: kernel.clock.now(),
    traceHash: kernel.trace.traceHash(),
    kernel,
    host,
    monitorId,
    responderIds,
  };
}

/** The monitor's current suspects. */
export function suspectsOf(result: HeartbeatWorldResult): readonly string[] {
  return (result.host.snapshotOf(result.monitorId).context as MonitorContext).suspects;
}

function defaultFaults(responderIds: readonly string[]): HeartbeatFault[] {
  const target = responderIds[1] ?? responderIds[0];
  if (target === undefined) return [];
  return [
    { atMs: 5_000, kind: 'crash', target },
    { atMs: 12_000, kind: 'restart', target },
  ];
}

function applyFault(kernel: Kernel, host: ActorHost, fault: HeartbeatFault): void {
  const atMs = kernel.clock.now();
  switch (fault.kind) {
    case 'crash':
    case 'restart':
      kernel.trace.record({ kind: 'fault', atMs, fault: fault.kind, target: fault.target });
      host.inject(fault.target, { type: fault.kind });
      return;
    case 'partition':
      kernel.trace.record({ kind: 'fault', atMs, fault: 'partition', target: fault.sideA.join(','), detail: fault.sideB ?? null });
      kernel.network.partition(fault.sideA, fault.sideB, { oneWay: fault.oneWay ?? false });
      return;
    case 'heal':
      kernel.trace.record({ kind: 'fault', atMs, fault: 'heal', target: '*' });
      kernel.network.healAll();
      return;
  }
}
