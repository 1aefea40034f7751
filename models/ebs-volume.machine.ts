/**
 * An EBS volume of the mirrored-MySQL baseline (docs/protocol.md §16): it writes each block write
 * it is sent to its device and, when it has a mirror, to that mirror too, and acknowledges only
 * when both copies are durable (SIGMOD'17 §3.1, Figure 2, step 2: "EBS mirror"; a volume's two
 * copies are in one AZ).
 *
 * The device write and the copy to the mirror start together and the acknowledgement waits for
 * both: our reading [I] of "EBS mirror" (the paper does not say whether the chain is sequential).
 * The device's write latency comes from a table the kernel samples for the volume
 * (`latencySamplesMs`), read in turn, as a segment reads its disk-latency table: the machine never
 * draws (docs/determinism.md, "Where time and chance come from"). A volume has no faults here.
 */
import { setup } from 'xstate';
import type { EffectsParams, ModelEffect } from './effects.js';
import { unprovidedEffect } from './effects.js';
import type { BlockWrite, EbsAckMessage, EbsWriteMessage } from './mirrored-mysql-messages.js';

/** Input of {@link ebsVolumeMachine}. */
export interface EbsVolumeInput {
  /** The volume's systemId, e.g. `ebs:us-east-1a:primary`. */
  self: string;
  /** The mirror volume every write is copied to before it is acknowledged; null for a mirror itself. */
  mirror: string | null;
  /** Device write latencies (ms, ≥ 0), used in turn; empty means 0. */
  latencySamplesMs: readonly number[];
}

/** A write the volume holds until both copies are durable. */
export interface PendingEbsWrite {
  /** Who sent it, and gets the acknowledgement. */
  readonly replyTo: string;
  readonly write: BlockWrite;
  readonly deviceDone: boolean;
  readonly mirrorDone: boolean;
}

/** Context of {@link ebsVolumeMachine}. */
export interface EbsVolumeContext {
  self: string;
  mirror: string | null;
  latencySamplesMs: readonly number[];
  /** Index of the next latency sample. */
  sampleIndex: number;
  /** Writes not yet acknowledged, by {@link pendingKey}. */
  pending: Readonly<Record<string, PendingEbsWrite>>;
}

/** Events of {@link ebsVolumeMachine}. */
export type EbsVolumeEvent = EbsWriteMessage | EbsAckMessage | { type: 'deviceDone'; key: string };

/** What a volume reports: blocks durable on its device (the judges count copies from these). */
export interface EbsBlocksDurableObservation {
  readonly kind: 'ebsBlocksDurable';
  readonly volume: string;
  readonly write: BlockWrite;
}

/** The key of a write in `pending`: its origin and number. */
export function pendingKey(origin: string, writeId: number): string {
  return `${origin}#${writeId}`;
}

/** Timer id of a write's device completion (explicit ids: docs/determinism.md). */
export function deviceTimerId(key: string): string {
  return `ebs.device.${key}`;
}

/** Thrown when a volume starts with input it cannot run on; the message names the field. */
export class EbsVolumeInputError extends Error {}

function inputProblem(input: EbsVolumeInput): string | undefined {
  if (!input.latencySamplesMs.every((ms) => Number.isFinite(ms) && ms >= 0)) return 'latencySamplesMs: every sample must be a finite number of ms >= 0';
  return undefined;
}

const base = setup({
  types: { context: {} as EbsVolumeContext, events: {} as EbsVolumeEvent, input: {} as EbsVolumeInput },
  actions: {
    effects: unprovidedEffect<EffectsParams>('ebsVolume', 'effects'),
  },
});

/** The acknowledgement of `entry`, once both copies are durable. */
function ackIfDone(entry: PendingEbsWrite, self: string): ModelEffect[] {
  if (!entry.deviceDone || !entry.mirrorDone) return [];
  const ack: EbsAckMessage = { type: 'ebsAck', from: self, origin: entry.write.origin, writeId: entry.write.writeId };
  return [{ kind: 'send', to: entry.replyTo, message: ack }];
}

/** `pending` with `key` set to `entry`, or removed once `entry` is acknowledged. */
function withEntry(pending: Readonly<Record<string, PendingEbsWrite>>, key: string, entry: PendingEbsWrite): Readonly<Record<string, PendingEbsWrite>> {
  const next = { ...pending };
  if (entry.deviceDone && entry.mirrorDone) delete next[key];
  else next[key] = entry;
  return next;
}

/** The EBS volume; see the file header. */
export const ebsVolumeMachine = base
  .extend({
    actions: {
      /** A block write: start the device write and copy it to the mirror (a repeat of a pending one is ignored). */
      takeWrite: base.enqueueActions(({ context, event, enqueue }) => {
        if (event.type !== 'ebsWrite') return;
        const key = pendingKey(event.write.origin, event.write.writeId);
        if (context.pending[key] !== undefined) return;
        const samples = context.latencySamplesMs;
        const delay = samples.length === 0 ? 0 : (samples[context.sampleIndex % samples.length] as number);
        const entry: PendingEbsWrite = { replyTo: event.from, write: event.write, deviceDone: false, mirrorDone: context.mirror === null };
        if (context.mirror !== null) {
          const copy: EbsWriteMessage = { type: 'ebsWrite', from: context.self, write: event.write };
          enqueue({ type: 'effects', params: { effects: [{ kind: 'send', to: context.mirror, message: copy }] } });
        }
        enqueue.raise({ type: 'deviceDone', key }, { delay, id: deviceTimerId(key) });
        enqueue.assign({ sampleIndex: context.sampleIndex + 1, pending: { ...context.pending, [key]: entry } });
      }),
      /** The device write is durable: report it, and acknowledge if the mirror has it too. */
      deviceDone: base.enqueueActions(({ context, event, enqueue }) => {
        if (event.type !== 'deviceDone') return;
        const entry = context.pending[event.key];
        if (entry === undefined) return;
        const next: PendingEbsWrite = { ...entry, deviceDone: true };
        const durable: EbsBlocksDurableObservation = { kind: 'ebsBlocksDurable', volume: context.self, write: entry.write };
        enqueue({ type: 'effects', params: { effects: [{ kind: 'observe', observation: durable }, ...ackIfDone(next, context.self)] } });
        enqueue.assign({ pending: withEntry(context.pending, event.key, next) });
      }),
      /** The mirror has its copy: acknowledge if the device is done too. */
      mirrorAcked: base.enqueueActions(({ context, event, enqueue }) => {
        if (event.type !== 'ebsAck') return;
        const key = pendingKey(event.origin, event.writeId);
        const entry = context.pending[key];
        if (entry === undefined || entry.mirrorDone) return;
        const next: PendingEbsWrite = { ...entry, mirrorDone: true };
        const effects = ackIfDone(next, context.self);
        if (effects.length > 0) enqueue({ type: 'effects', params: { effects } });
        enqueue.assign({ pending: withEntry(context.pending, key, next) });
      }),
    },
  })
  .createMachine({
    id: 'ebsVolume',
    context: ({ input }) => {
      const problem = inputProblem(input);
      if (problem !== undefined) throw new EbsVolumeInputError(`EBS volume ${input.self}: ${problem}`);
      return { self: input.self, mirror: input.mirror, latencySamplesMs: input.latencySamplesMs, sampleIndex: 0, pending: {} };
    },
    initial: 'serving',
    states: {
      serving: {
        on: {
          ebsWrite: { actions: 'takeWrite' },
          deviceDone: { actions: 'deviceDone' },
          ebsAck: { actions: 'mirrorAcked' },
        },
      },
    },
  });
