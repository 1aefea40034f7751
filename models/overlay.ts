/**
 * The last step of the state copies in `read-state.ts`, `replica-state.ts` and `writer-state.ts`:
 * each builds its new state as one object literal of every field (V8 gives that one fixed shape,
 * where a chain of spreads with overrides is many times slower), then lays the changed fields on
 * that fresh copy. Only the copy just built is written, never the state it came from.
 */
export function overlay<T extends object>(fresh: T, patch: Partial<T>): T {
  for (const key in patch) (fresh as Record<string, unknown>)[key] = patch[key];
  return fresh;
}
