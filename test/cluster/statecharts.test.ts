/**
 * The exported statecharts (docs/statecharts.md): faithful JSON that xstate builds back into the
 * same machine, and Mermaid diagrams that show every state.
 */
import { isDeepStrictEqual } from 'node:util';
import { createMachine } from 'xstate';
import { describe, expect, it } from 'vitest';
import { CLUSTER_STATECHARTS, statechartConfig, statechartMermaid, stateIdsOf, transitionCountOf } from '../../src/cluster/statecharts.js';
import type { Json } from '../../src/cluster/statecharts.js';

/** Keys under which an action, guard, delay or actor reference sits in a machine config. */
const REFERENCE_KEYS = new Set(['entry', 'exit', 'actions', 'guard', 'src', 'after']);

/** Paths of `null`s inside references: an inline function the export could not name. */
function inlineFunctions(value: Json, path: string, underReference: boolean): string[] {
  if (value === null) return underReference ? [path] : [];
  if (typeof value !== 'object') return [];
  if (Array.isArray(value)) return value.flatMap((item, i) => inlineFunctions(item, `${path}[${i}]`, underReference));
  return Object.entries(value).flatMap(([key, item]) =>
    // An `after` key of "null" is a delay given as an inline function.
    (key === 'null' && path.endsWith('.after') ? [`${path}.null`] : []).concat(inlineFunctions(item, `${path}.${key}`, underReference || REFERENCE_KEYS.has(key))),
  );
}

describe('exported statecharts', () => {
  it('covers every machine kind a cluster runs, under distinct names', () => {
    const names = CLUSTER_STATECHARTS.map((chart) => chart.name);
    expect(new Set(names).size).toBe(names.length);
    const ids = CLUSTER_STATECHARTS.map((chart) => chart.machine.id);
    expect(ids).toEqual(expect.arrayContaining(['segment', 'instance', 'metadata', 'controlPlane', 'storageControlPlane', 'region', 'az', 'node', 'monitor', 'responder', 'globalRegion']));
  });

  it.each(CLUSTER_STATECHARTS.map((chart) => [chart.name, chart] as const))('%s: names every action, guard and delay (no inline function exported as null)', (name, chart) => {
    const json = JSON.parse(JSON.stringify(statechartConfig(chart.machine))) as Json;
    expect(inlineFunctions(json, name, false)).toEqual([]);
  });

  it('would catch an inline action, guard and delay', () => {
    const inline = createMachine({
      id: 'inline',
      initial: 'a',
      states: {
        a: { entry: () => {}, on: { go: { guard: () => true, target: 'b' } } },
        b: { after: { [500]: 'a' }, always: { guard: ({ context }) => context === undefined, target: 'a' } },
      },
    });
    const json = JSON.parse(JSON.stringify(statechartConfig(inline))) as Json;
    expect(inlineFunctions(json, 'inline', false)).toEqual(['inline.states.a.entry[0]', 'inline.states.a.on.go[0].guard', 'inline.states.b.always[0].guard']);
  });

  it.each(CLUSTER_STATECHARTS.map((chart) => [chart.name, chart] as const))('%s: the JSON round-trips through createMachine', (_name, chart) => {
    const json = JSON.parse(JSON.stringify(statechartConfig(chart.machine))) as Record<string, Json>;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a config read back from JSON has no static type
    const rebuilt = createMachine(json as any);
    expect(stateIdsOf(rebuilt)).toEqual(stateIdsOf(chart.machine));
    expect(transitionCountOf(rebuilt)).toBe(transitionCountOf(chart.machine));
    expect(isDeepStrictEqual(statechartConfig(rebuilt), json)).toBe(true);
    // Each state's type, tags and initial state, read from the rebuilt machine's own nodes.
    for (const id of stateIdsOf(chart.machine)) {
      const original = chart.machine.getStateNodeById(id);
      const copy = rebuilt.getStateNodeById(id);
      expect([copy.type, copy.tags, copy.initial.target.map((node) => node.id)]).toEqual([original.type, original.tags, original.initial.target.map((node) => node.id)]);
    }
  });

  it.each(CLUSTER_STATECHARTS.map((chart) => [chart.name, chart] as const))('%s: the Mermaid diagram declares every state id', (_name, chart) => {
    const mermaid = statechartMermaid(chart.machine);
    expect(mermaid).toContain('stateDiagram-v2');
    const [root, ...states] = stateIdsOf(chart.machine);
    expect(mermaid).toContain(`title: ${root}`);
    const declared = [...mermaid.matchAll(/^\s*state "([^"]+)" as /gm)].map((match) => match[1]);
    expect(declared.sort()).toEqual([...states].sort());
  });

  it('marks guarded transitions and draws a composite for each compound state', () => {
    const segment = CLUSTER_STATECHARTS.find((chart) => chart.name === 'segment');
    const mermaid = statechartMermaid(segment!.machine);
    expect(mermaid).toMatch(/segment_online_hydrating --> segment_online_up : gossipPush \[caughtUp\]/);
    expect(mermaid).toMatch(/state segment_online \{/);
    expect(mermaid).toMatch(/segment_booting --> segment_online : always\n/);
  });
});
