/**
 * The one error bad scenario input raises (docs/simulation-guide.md, "Running a scenario": exit
 * code 2 and one line naming the field and what is allowed). The CLI catches it by `name` and
 * prints the message alone, with no stack trace; every message is a single line that says which
 * field is wrong and what it accepts.
 */

/** Bad scenario input: an unknown key, an out-of-range value, an impossible topology, a bad file. */
export class ScenarioError extends Error {
  override readonly name = 'ScenarioError';
  /** Dotted path of the offending field (`topology.regions[0].azs`), or '' for the whole input. */
  readonly field: string;

  constructor(message: string, field = '') {
    // A message is one line by contract; a stray newline from an echoed value must not break it.
    super(message.replace(/\s*[\r\n]+\s*/g, ' '));
    this.field = field;
  }
}

/** Renders a path such as `['faults', 2, 'kind']` as `faults[2].kind`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const key of path) {
    if (typeof key === 'number') text += `[${key}]`;
    else text += text === '' ? String(key) : `.${String(key)}`;
  }
  return text;
}

/** Describes a received value for the `got …` tail of a message: `"meteor"`, `-3`, `an array`. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.length === 0 ? 'an empty array' : 'an array';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (typeof value === 'object') return 'an object';
  return String(value);
}

/** The value at `path` inside `input` (undefined where the path leaves the objects): what an error quotes. */
export function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}
