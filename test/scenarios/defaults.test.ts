/**
 * Scenario defaults agree with what documents them. The minimum-read-point report period must
 * leave several reports inside the segment's lease (mrplLeaseTicks × gcPeriodMs), so a live
 * instance never drops out of a segment's minimum for one late or lost report.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../src/scenarios/schema.js';

describe('Scenario defaults: minimum read point reports', () => {
  const { storage } = parseScenario({ name: 'defaults' }, 'test');

  it('reports at least four times per lease', () => {
    expect(storage.mrplReportMs).toBe(500);
    expect((storage.mrplLeaseTicks * storage.gcPeriodMs) / storage.mrplReportMs).toBeGreaterThanOrEqual(4);
  });

  it('is documented as the value the code uses: the machine input, the scenario spec and the semantics page', () => {
    const machine = readFileSync('models/instance-options.ts', 'utf8');
    expect(machine).toMatch(new RegExp(`mrplReportMs \\?\\? ${storage.mrplReportMs}\\b`));
    expect(machine).toMatch(new RegExp(`minimum read point; 0 = never\\. @defaultValue ${storage.mrplReportMs} \\*/\\s+mrplReportMs\\?: number;`));
    const spec = readFileSync('src/cluster/scenario.ts', 'utf8');
    expect(spec).toMatch(new RegExp(`@defaultValue ${storage.mrplReportMs}\\s+\\*/\\s+mrplReportMs: number;`));
    expect(readFileSync('docs/semantics.md', 'utf8')).toContain(`Every \`mrplReportMs\` (${storage.mrplReportMs} ms)`);
  });
});
