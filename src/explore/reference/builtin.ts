/**
 * The explore models built in to the command line, by name (`aurora-actors explore <name>`).
 */
import type { PlantName } from '../../protocol/plants.js';
import type { ExploreModel } from '../explore-model.js';
import { abdRegisterModel } from './abd-register.js';
import { tinyGlobalModel } from './tiny-global.js';
import { tinyVolumeModel } from './tiny-volume.js';
import { twoPhaseCommitModel } from './two-phase-commit.js';

/** Options a built-in model may take from the command line. */
export interface BuiltinModelOptions {
  /** Resource managers of `two-phase-commit`. @defaultValue 3 */
  rms?: number;
  /** Client writes of `tiny-volume`. @defaultValue 1 */
  writes?: number;
  /** Writer crashes (each with restart and promotion) of `tiny-volume`. @defaultValue 0 */
  crashes?: number;
  /** The LSN allocation limit of `tiny-volume`. @defaultValue 100 */
  lal?: number;
  /** How `tiny-volume`'s client issues its writes. @defaultValue 'concurrent' */
  client?: 'concurrent' | 'one-at-a-time';
  /** A planted mistake for `tiny-volume`'s or `tiny-global`'s machines (docs/plants.md). */
  plant?: PlantName;
  /** Shipments the primary's replicator sends in `tiny-global`, 1–3. @defaultValue 2 */
  shipments?: number;
  /** Whether `tiny-global`'s cross-region link may lose messages. @defaultValue false */
  loss?: boolean;
  /** Whether a `tiny-global` path may take one managed failover. @defaultValue false */
  failover?: boolean;
}

/** A built-in model: what it is, and how to build it. */
export interface BuiltinModel {
  summary: string;
  /** The options it reads (others are refused). */
  options: readonly (keyof BuiltinModelOptions)[];
  create: (options: BuiltinModelOptions) => ExploreModel;
}

/** The built-in models. */
export const BUILTIN_MODELS: Readonly<Record<string, BuiltinModel>> = {
  'abd-register': {
    summary: "Stateright's ABD linearizable register: 2 clients, 2 servers, unordered non-duplicating network (544 states)",
    options: [],
    create: () => abdRegisterModel(),
  },
  'two-phase-commit': {
    summary: "Stateright's two-phase commit: a TM and --rms N resource managers (default 3: 288 states)",
    options: ['rms'],
    create: (options) => twoPhaseCommitModel({ rms: options.rms }),
  },
  'tiny-volume': {
    summary: 'the real segment, writer and metadata machines: one PG of six segments, --writes N (default 1: 8,193 states), --client concurrent|one-at-a-time, --crashes N, --lal N, --plant M; S1–S9 judged in every state',
    options: ['writes', 'client', 'crashes', 'lal', 'plant'],
    create: (options) => tinyVolumeModel({ writes: options.writes, client: options.client, crashes: options.crashes, lal: options.lal, plant: options.plant }),
  },
  'tiny-global': {
    summary:
      'a Global Database secondary: the real replication agent, region statechart and three segments, fed --shipments N (default 2: 183,907 states) in every order, duplicated; --loss, --failover, --plant M; S17 judged in every state',
    options: ['shipments', 'loss', 'failover', 'plant'],
    create: (options) => tinyGlobalModel({ shipments: options.shipments, loss: options.loss, failover: options.failover, plant: options.plant }),
  },
};

/** The built-in models' names, in a stable order. */
export function builtinModelNames(): string[] {
  return Object.keys(BUILTIN_MODELS);
}
