/**
 * Two-phase commit as an explore model: the machines of models/reference/two-phase-commit.machine.ts
 * with the properties of Stateright's `examples/2pc.rs` ("abort agreement", "commit agreement",
 * "consistent"). Its unique-state counts are pinned against Stateright's in
 * test/explore/two-phase-commit.test.ts (docs/explorer.md).
 */
import { resourceManagerMachine, transactionManagerMachine } from '../../../models/reference/two-phase-commit.machine.js';
import type { ExploreModel } from '../explore-model.js';
import type { ExploreState } from '../explore-state.js';

/** Options of {@link twoPhaseCommitModel}. */
export interface TwoPhaseCommitOptions {
  /** How many resource managers. @defaultValue 3 */
  rms?: number;
}

/** The TM's systemId. */
export const TM_ID = 'tm';

/** The systemId of resource manager `index`. */
export function rmId(index: number): string {
  return `rm:${index}`;
}

function rmStates(state: ExploreState): string[] {
  return state.actors.filter((slot) => slot.id !== TM_ID).map((slot) => slot.snapshot.value as string);
}

/** The two-phase commit model with `rms` resource managers; the RMs form a symmetry group. */
export function twoPhaseCommitModel(options: TwoPhaseCommitOptions = {}): ExploreModel {
  const count = options.rms ?? 3;
  if (!Number.isSafeInteger(count) || count < 1) throw new RangeError(`two-phase commit needs at least one resource manager, got ${count}`);
  const rms = Array.from({ length: count }, (_, index) => rmId(index));
  return {
    name: `two-phase-commit (${count} RMs)`,
    network: 'unordered-duplicating',
    actors: [
      { id: TM_ID, machine: transactionManagerMachine, input: { rms } },
      ...rms.map((id) => ({ id, machine: resourceManagerMachine, input: { self: id, tm: TM_ID } })),
    ],
    symmetry: [rms],
    properties: [
      { name: 'abort agreement', kind: 'sometimes', holds: (state) => rmStates(state).every((value) => value === 'aborted') },
      { name: 'commit agreement', kind: 'sometimes', holds: (state) => rmStates(state).every((value) => value === 'committed') },
      {
        name: 'consistent',
        kind: 'always',
        holds: (state) => {
          const values = rmStates(state);
          return !(values.includes('aborted') && values.includes('committed'));
        },
      },
    ],
  };
}
