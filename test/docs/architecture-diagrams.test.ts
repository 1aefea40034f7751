/**
 * docs/architecture.md's sequence diagrams name real things: every state path they name
 * (`recovering.claiming`, `failingOver.promoting`, …) is a state of the instance or control-plane
 * machine, and every message an arrow carries is a message type the models send.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { AnyStateMachine, AnyStateNode } from 'xstate';
import { describe, expect, it } from 'vitest';
import { controlPlaneMachine, writerMachine } from '../../src/index.js';

const read = (path: string): string => readFileSync(fileURLToPath(new URL(`../../${path}`, import.meta.url)), 'utf8');

function statePaths(machine: AnyStateMachine): Set<string> {
  const paths = new Set<string>();
  const walk = (node: AnyStateNode, prefix: string): void => {
    for (const [key, child] of Object.entries(node.states)) {
      const path = prefix === '' ? key : `${prefix}.${key}`;
      paths.add(path);
      walk(child, path);
    }
  };
  walk(machine.root, '');
  return paths;
}

const doc = read('docs/architecture.md');
const diagrams = [...doc.matchAll(/```mermaid\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');
const messageTypes = new Set([...read('models/messages.ts').matchAll(/type: '(\w+)'/g)].map((match) => match[1]));

describe('docs/architecture.md diagrams', () => {
  it('has the write and the failover as sequence diagrams', () => {
    expect(doc).toMatch(/## The life of a write\n[\s\S]*?```mermaid\nsequenceDiagram/);
    expect(doc).toMatch(/## The life of a failover\n[\s\S]*?```mermaid\nsequenceDiagram/);
    expect(diagrams).toHaveLength(2);
  });

  it('every state path named in a diagram or the failover steps is a machine state', () => {
    const known = new Set([...statePaths(writerMachine), ...statePaths(controlPlaneMachine)]);
    const failover = doc.slice(doc.indexOf('## The life of a failover'), doc.indexOf('## Code conventions'));
    const named = new Set([...(diagrams.join('\n') + failover).matchAll(/\b((?:recovering|failingOver|writer|reader)\.\w+)/g)].map((match) => match[1] ?? ''));
    expect(named.size).toBeGreaterThanOrEqual(10);
    expect([...named].filter((path) => !known.has(path))).toEqual([]);
  });

  it('every message on an arrow is a message type of models/messages.ts', () => {
    const arrows = diagrams.flatMap((diagram) => [...diagram.matchAll(/^\s*\w+\s*-?->>?x?\s*\w+:\s*(\w+)/gm)].map((match) => match[1] ?? ''));
    const messages = arrows.filter((word) => word !== 'publish');
    expect(messages.length).toBeGreaterThanOrEqual(15);
    expect(messages.filter((type) => !messageTypes.has(type))).toEqual([]);
  });
});
