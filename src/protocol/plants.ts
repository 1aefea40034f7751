/**
 * Planted mistakes: known protocol errors a run, sweep or exploration can switch on, one at a
 * time, to show that the judges and the engines find them (`--plant <name>`). A run without a
 * plant never reads this list; every machine behaves as docs/semantics.md states unless its
 * settings name one of these.
 */

/** Every plantable mistake, with what it breaks. */
export const PLANTS = {
  'write-quorum-3of6': 'the writer counts a write durable on 3 of 6 acknowledgements instead of 4',
  'ignore-volume-epoch': 'segments accept (and persist) writes from a writer whose volume epoch is stale',
  'recover-from-two': 'crash recovery proceeds on the answers of 2 segments of a PG instead of a read quorum of 3',
  'ack-before-vdl': 'the writer acknowledges a commit once the PG that answered is complete to it, before the VDL reaches it',
  'vcl-ignores-holes': 'a segment reports its highest record as its SCL, past records it has not received',
  'truncate-at-vcl': 'recovery truncates at the VCL instead of the highest CPL at or below it (the VDL)',
  'fence-after-read': 'recovery reads the segments before it raises the volume epoch on a write quorum',
  'no-gossip': 'segments never pull from their peers, so holes stay open and replacements never hydrate',
  'no-truncation-range': 'segments acknowledge a recovery\'s truncation range but keep the records it annuls',
  'no-lal': 'the writer allocates LSNs without the allocation limit above the VDL',
  'replica-applies-above-vdl': 'read replicas apply redo records above the writer\'s VDL',
  'restore-without-log': 'a restore builds each PG from the object store\'s newest page snapshot at or below the point and leaves out the staged log above it',
} as const;

/** The name of a plantable mistake. */
export type PlantName = keyof typeof PLANTS;

/** Every plantable mistake's name, in a stable order. */
export const PLANT_NAMES = Object.keys(PLANTS) as PlantName[];

/** Whether a text names a plantable mistake. */
export function isPlantName(name: string): name is PlantName {
  return Object.hasOwn(PLANTS, name);
}
