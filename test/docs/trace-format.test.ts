/**
 * docs/trace-format.md documents every trace event the kernel writes: each kind of the TraceEvent
 * union in src/kernel/trace.ts has a row of the "Event kinds" table naming each of its fields, and
 * each field of a `run --trace` or `replay --trace` header line has a row of the header table.
 * The union is read from the source with the TypeScript parser, so a kind or field added there
 * fails here until the doc says what it means.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { TRACE_EVENT_KINDS, findScenario } from '../../src/index.js';
import { traceHeaderLine } from '../../src/testing/replay.js';

const read = (path: string): string => readFileSync(fileURLToPath(new URL(`../../${path}`, import.meta.url)), 'utf8');

/** Each member of `type TraceEvent = …`: its `kind` literal and its field names. */
function traceEventMembers(): { kind: string; fields: string[] }[] {
  const source = ts.createSourceFile('trace.ts', read('src/kernel/trace.ts'), ts.ScriptTarget.Latest, true);
  const alias = source.statements.find((node): node is ts.TypeAliasDeclaration => ts.isTypeAliasDeclaration(node) && node.name.text === 'TraceEvent');
  if (alias === undefined || !ts.isUnionTypeNode(alias.type)) throw new Error('src/kernel/trace.ts: no union `type TraceEvent`');
  return alias.type.types.map((member) => {
    if (!ts.isTypeLiteralNode(member)) throw new Error(`TraceEvent member is not an object type: ${member.getText(source)}`);
    const fields = member.members.filter(ts.isPropertySignature).map((property) => property.name.getText(source));
    const kind = member.members.filter(ts.isPropertySignature).find((property) => property.name.getText(source) === 'kind')?.type;
    if (kind === undefined || !ts.isLiteralTypeNode(kind) || !ts.isStringLiteral(kind.literal)) throw new Error(`TraceEvent member without a string literal kind: ${member.getText(source)}`);
    return { kind: kind.literal.text, fields };
  });
}

/** The rows of the first markdown table after `heading`: first cell → the whole row. */
function tableAfter(doc: string, heading: string): Map<string, string> {
  const start = doc.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`docs/trace-format.md: no heading ${heading}`);
  const lines = doc.slice(start + heading.length + 2).split('\n');
  const first = lines.findIndex((line) => line.startsWith('|'));
  const rows = new Map<string, string>();
  for (const line of lines.slice(first + 2)) {
    if (!line.startsWith('|')) break;
    const cell = line.split(/(?<!\\)\|/)[1]?.trim() ?? '';
    rows.set(cell.replace(/^`|`$/g, ''), line);
  }
  return rows;
}

describe('docs/trace-format.md', () => {
  const doc = read('docs/trace-format.md');
  const members = traceEventMembers();

  it('TRACE_EVENT_KINDS lists exactly the kinds of the TraceEvent union', () => {
    expect(members.length).toBeGreaterThanOrEqual(10);
    expect([...TRACE_EVENT_KINDS].sort()).toEqual(members.map((member) => member.kind).sort());
  });

  it('the "Event kinds" table has a row for every kind, naming each of its fields', () => {
    const rows = tableAfter(doc, '## Event kinds');
    const common = tableAfter(doc, 'Common to every kind:');
    expect([...common.keys()]).toEqual(['kind', 'atMs']);
    const missing: string[] = [];
    for (const { kind, fields } of members) {
      const row = rows.get(kind);
      if (row === undefined) {
        missing.push(`kind ${kind}`);
        continue;
      }
      for (const field of fields) if (!common.has(field) && !row.includes(`\`${field}\``)) missing.push(`${kind}.${field}`);
    }
    expect(missing).toEqual([]);
    expect([...rows.keys()].sort()).toEqual([...TRACE_EVENT_KINDS].sort());
  });

  it('the header table names every field a replay header line can hold', () => {
    const scenario = findScenario('az-plus-one');
    if (scenario === undefined) throw new Error('no az-plus-one scenario');
    const header = JSON.parse(traceHeaderLine({ seed: 7, scenario, plant: 'no-lal' })) as Record<string, unknown>;
    const rows = tableAfter(doc, '## Header line of `run --trace` and `replay --trace` files');
    expect([...rows.keys()].sort()).toEqual(Object.keys(header).sort());
  });
});
