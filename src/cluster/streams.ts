/**
 * rxjs pipelines on the virtual clock: the writer's redo stream and VDL control records, shipped
 * to the replicas (docs/protocol.md §5, read replicas: the writer ships its redo in whole MTRs plus
 * VDL updates; the writer does not wait for replicas).
 *
 * Every time operator takes the kernel clock's scheduler explicitly, so two simulations can share
 * a process (docs/determinism.md, "Where time and chance come from"). The `boxcar` operator gathers
 * what a step published and emits it once the step is over (a zero-delay action on the virtual
 * scheduler): one shipment per replica carries every MTR and the latest VDL of the step.
 */
import { Observable } from 'rxjs';
import type { OperatorFunction, SchedulerLike, Subscription } from 'rxjs';
import type { RedoPublication, VdlPublication } from '../../models/writer-state.js';
import type { RedoRecord } from '../../models/messages.js';
import type { Lsn } from '../protocol/ids.js';
import type { Network } from '../kernel/network.js';
import type { WorldEvent } from './host.js';

/**
 * Collects values and emits them as one array `delayMs` after the first of a batch arrived, on
 * the given scheduler (no timer while idle, unlike `bufferTime`).
 */
export function boxcar<T>(delayMs: number, scheduler: SchedulerLike): OperatorFunction<T, T[]> {
  return (source) =>
    new Observable<T[]>((subscriber) => {
      let batch: T[] = [];
      let pending: Subscription | undefined;
      const subscription = source.subscribe({
        next: (value) => {
          batch.push(value);
          pending ??= scheduler.schedule(() => {
            const out = batch;
            batch = [];
            pending = undefined;
            subscriber.next(out);
          }, delayMs);
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => {
          if (batch.length > 0) subscriber.next(batch);
          subscriber.complete();
        },
      });
      return () => {
        pending?.unsubscribe();
        subscription.unsubscribe();
      };
    });
}

/** A publication from one instance on the redo or VDL stream. */
export type WriterPublication = { from: string } & ({ stream: 'redo'; item: RedoPublication } | { stream: 'vdl'; item: VdlPublication });

/**
 * The redo and VDL publications of a world's events, in order, of the instances `from` accepts
 * (every one by default); everything else is skipped.
 */
export function writerPublications(from?: (actorId: string) => boolean): OperatorFunction<WorldEvent, WriterPublication> {
  return (events$) =>
    new Observable<WriterPublication>((subscriber) =>
      events$.subscribe({
        next: (event) => {
          if (event.source !== 'publish' || (from !== undefined && !from(event.actorId))) return;
          const { publication } = event;
          if (publication.stream === 'redo') subscriber.next({ from: event.actorId, stream: 'redo', item: publication.item });
          else if (publication.stream === 'vdl') subscriber.next({ from: event.actorId, stream: 'vdl', item: publication.item });
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      }),
    );
}

/** Options of {@link shipRedoToReplicas}. */
export interface RedoShippingOptions {
  /** The world's events (see `host.ts`): the writers' `redo` and `vdl` publications are shipped. */
  events$: Observable<WorldEvent>;
  network: Network;
  scheduler: SchedulerLike;
  /** The replicas to ship to (read at each shipment). */
  replicas: () => readonly string[];
  /** Whose publications are shipped. @defaultValue every instance's */
  from?: (actorId: string) => boolean;
}

/**
 * Ships the writer's redo records and VDL to every replica: one `redoShip` message per replica
 * per step, records in LSN order, the step's latest VDL.
 */
export function shipRedoToReplicas(options: RedoShippingOptions): Subscription {
  const from = options.from;
  return options.events$
    .pipe(writerPublications(from), boxcar(0, options.scheduler))
    .subscribe((batch) => {
      const bySource = new Map<string, { volumeEpoch: number; records: RedoRecord[]; vdl: Lsn }>();
      for (const publication of batch) {
        const entry = bySource.get(publication.from) ?? { volumeEpoch: publication.item.volumeEpoch, records: [], vdl: 0 as Lsn };
        if (publication.stream === 'redo') entry.records.push(...publication.item.records);
        else if (publication.item.vdl > entry.vdl) entry.vdl = publication.item.vdl;
        entry.volumeEpoch = Math.max(entry.volumeEpoch, publication.item.volumeEpoch);
        bySource.set(publication.from, entry);
      }
      for (const [from, entry] of bySource) {
        for (const replica of options.replicas()) {
          if (replica === from) continue;
          options.network.send(from, replica, { type: 'redoShip', from, volumeEpoch: entry.volumeEpoch, records: entry.records, vdl: entry.vdl });
        }
      }
    });
}
