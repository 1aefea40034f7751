/**
 * `aurora-actors replay` on a tiny run (300 virtual ms): a clean run replays to exit 0 and its
 * trace matches; a tampered trace reports the first divergent line with what was expected and
 * what the replay wrote; a failing run stops at its first violation, with a trace that is a
 * prefix of the full run's, and prints the shrunk plan; bad input is one line and exit 2. Run in
 * process (`main`), as the command line runs it. `run --trace` and `replay --trace` files open
 * with the same header and carry `verdict` lines, which the comparison skips (docs/trace-format.md).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { findScenario } from '../../src/scenarios/builtin.js';
import { replayRun, smallScenario } from '../../src/testing/index.js';
import { parseTraceHeader } from '../../src/testing/replay.js';

type VerdictLine = { kind: 'verdict'; atMs: number; invariant: string; ok: boolean; final?: true; violations?: number; message?: string };
/** The verdict events among a trace file's lines (the header, if any, is not one). */
const verdictsOf = (lines: readonly string[]): VerdictLine[] => lines.map((line) => JSON.parse(line) as { kind?: string }).filter((event): event is VerdictLine => event.kind === 'verdict');
const isVerdict = (line: string): boolean => (JSON.parse(line) as { kind?: string }).kind === 'verdict';

async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { out: (text) => void (stdout += text), err: (text) => void (stderr += text) });
  return { code, stdout, stderr };
}

const dir = mkdtempSync(join(tmpdir(), 'replay-'));
const tiny = { ...smallScenario(), durationMs: 300, workload: { ...smallScenario().workload, stopMs: 300 }, faults: [{ atMs: 100, kind: 'azOutage', az: 'us-east-1b' }, { atMs: 200, kind: 'azRecover', az: 'us-east-1b' }] };
const tracePath = join(dir, 'trace.jsonl');

describe('aurora-actors replay', () => {
  it('replays --seed and --scenario JSON clean: SEED first, one JSON document, exit 0, a trace with a header', async () => {
    const result = await cli('replay', '--seed', '5', '--scenario', JSON.stringify(tiny), '--trace', tracePath, '--json');
    expect(result.code).toBe(0);
    expect(result.stderr.split('\n')[0]).toBe('SEED=5');
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ seed: 5, scenario: 'small', ok: true, violations: [] });
    expect(report.replay).toMatch(/^npx aurora-actors replay --seed 5 --scenario '\{/);
    const lines = readFileSync(tracePath, 'utf8').trimEnd().split('\n');
    expect(parseTraceHeader(lines[0]!)).toEqual({ seed: 5, scenario: tiny });
    // The events, then every judge's final verdict at the end: all passed, no violation on the way.
    const verdicts = verdictsOf(lines.slice(1));
    expect(lines.length - 1 - verdicts.length).toBe(report.traceEvents);
    expect(verdicts.length).toBeGreaterThan(10);
    expect(lines.slice(-verdicts.length).every(isVerdict)).toBe(true);
    expect(verdicts.every((verdict) => verdict.final === true && verdict.ok && verdict.violations === 0 && verdict.atMs === tiny.durationMs)).toBe(true);
    expect(new Set(verdicts.map((verdict) => verdict.invariant)).size).toBe(verdicts.length);
  });

  it('replays its own trace file: the trace matches and the traceHash is the same, exit 0', async () => {
    const first = JSON.parse((await cli('replay', '--seed', '5', '--scenario', JSON.stringify(tiny), '--json')).stdout);
    const result = await cli('replay', tracePath, '--json');
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    const lines = readFileSync(tracePath, 'utf8').trimEnd().split('\n');
    expect(report.trace).toMatchObject({ matches: true, lines: lines.length - 1, compared: lines.length - 1 });
    expect(report.traceEvents).toBe(first.traceEvents);
    expect(report.traceHash).toBe(first.traceHash);
  });

  it('skips verdict lines in the comparison: the trace without them still matches, as an older file without them does', async () => {
    const lines = readFileSync(tracePath, 'utf8').trimEnd().split('\n');
    const stripped = join(dir, 'no-verdicts.jsonl');
    const kept = lines.filter((line, index) => index === 0 || !isVerdict(line));
    expect(kept.length).toBeLessThan(lines.length);
    writeFileSync(stripped, kept.join('\n') + '\n');
    // With --trace the replay writes verdicts of its own; they are skipped on its side too.
    const rewritten = join(dir, 'verdicts-again.jsonl');
    const result = await cli('replay', stripped, '--json', '--trace', rewritten);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).trace).toMatchObject({ matches: true, lines: kept.length - 1 });
    expect(readFileSync(rewritten, 'utf8').trimEnd().split('\n')).toEqual(lines);
  });

  it('reports the first divergent line of a tampered trace, with expected and got, exit 1', async () => {
    const lines = readFileSync(tracePath, 'utf8').trimEnd().split('\n');
    const original = lines[49]!;
    const tampered = original.replace(/"atMs":[0-9.]+/, '"atMs":123.5');
    expect(tampered).not.toBe(original);
    const tamperedPath = join(dir, 'tampered.jsonl');
    writeFileSync(tamperedPath, [...lines.slice(0, 49), tampered, ...lines.slice(50)].join('\n') + '\n');
    const result = await cli('replay', tamperedPath, '--json');
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout).trace.divergence).toEqual({ line: 50, expected: tampered, got: original });
    const readable = await cli('replay', tamperedPath);
    expect(readable.stdout).toContain(`diverges from ${tamperedPath} at line 50`);
  });

  it('reports a trace that ends early or runs on', async () => {
    const lines = readFileSync(tracePath, 'utf8').trimEnd().split('\n');
    const short = join(dir, 'short.jsonl');
    // Without its last event (the final verdicts after it kept): the replay writes that event where the file has ended.
    let last = lines.length - 1;
    while (isVerdict(lines[last]!)) last--;
    const shortLines = [...lines.slice(0, last), ...lines.slice(last + 1)];
    writeFileSync(short, shortLines.join('\n') + '\n');
    const cut = JSON.parse((await cli('replay', short, '--json')).stdout).trace.divergence;
    expect(cut).toEqual({ line: shortLines.length + 1, expected: '(end of trace)', got: lines[last] });
    const long = join(dir, 'long.jsonl');
    writeFileSync(long, [...lines, '{"atMs":999,"kind":"note","text":"extra"}'].join('\n') + '\n');
    const more = await cli('replay', long, '--json');
    expect(more.code).toBe(1);
    expect(JSON.parse(more.stdout).trace.divergence).toEqual({ line: lines.length + 1, expected: '{"atMs":999,"kind":"note","text":"extra"}', got: '(end of trace)' });
  });

  it('needs --seed and --scenario for a trace without a header (as demo --trace and explore --trace write)', async () => {
    const lines = readFileSync(tracePath, 'utf8').trimEnd().split('\n');
    const bare = join(dir, 'bare.jsonl');
    writeFileSync(bare, lines.slice(1).join('\n') + '\n');
    const refused = await cli('replay', bare);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/has no header line naming its seed and scenario; give --seed N and --scenario/);
    const scenarioPath = join(dir, 'tiny.json');
    writeFileSync(scenarioPath, JSON.stringify(tiny));
    const matched = await cli('replay', bare, '--seed', '5', '--scenario', scenarioPath);
    expect(matched.code).toBe(0);
    expect(matched.stdout).toContain(`trace       matches ${bare}`);
  });

  it('replays a trace written by run --trace from the file alone: its header names seed and scenario, its final verdicts are the report\'s', async () => {
    const scenarioPath = join(dir, 'tiny-run.json');
    writeFileSync(scenarioPath, JSON.stringify(tiny));
    const runTrace = join(dir, 'run.jsonl');
    const ran = await cli('run', scenarioPath, '--seed', '8', '--trace', runTrace, '--json');
    expect(ran.code).toBe(0);
    const ranReport = JSON.parse(ran.stdout);
    const lines = readFileSync(runTrace, 'utf8').trimEnd().split('\n');
    expect(parseTraceHeader(lines[0]!)).toEqual({ seed: 8, scenario: tiny });
    const verdicts = verdictsOf(lines.slice(1));
    expect(verdicts.map((verdict) => [verdict.invariant, verdict.ok, verdict.violations, verdict.final])).toEqual(ranReport.invariants.map((result: { name: string; ok: boolean; violations: number }) => [result.name, result.ok, result.violations, true]));
    expect(lines.length - 1 - verdicts.length).toBe(ranReport.traceEvents);
    const result = await cli('replay', runTrace, '--json');
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ seed: 8, scenario: 'small' });
    expect(report.trace).toMatchObject({ matches: true, lines: lines.length - 1 });
    expect(report.traceHash).toBe(ranReport.traceHash);
  });

  // The planted ack-before-vdl (docs/plants.md) breaks S5 within milliseconds of the first commit.
  const lal = findScenario('lal-under-load')!;
  const failing = { ...lal, durationMs: 300, workload: { ...lal.workload, stopMs: 300 } };

  it('stops a failing run at its first violation: its trace is a shorter prefix of the full run\'s, up to the verdict of the step that stopped it', () => {
    const full: string[] = [];
    const stopped: string[] = [];
    const whole = replayRun({ scenario: failing, seed: 1, plant: 'ack-before-vdl', sink: (line) => full.push(line), stopAtFirstViolation: false });
    const early = replayRun({ scenario: failing, seed: 1, plant: 'ack-before-vdl', sink: (line) => stopped.push(line) });
    expect(whole.stoppedAtMs).toBeUndefined();
    expect(whole.result.report.simulatedMs).toBe(300);
    const first = whole.result.violations[0]!;
    expect(early.stoppedAtMs).toBe(first.atMs);
    expect(early.result.violations[0]).toMatchObject({ invariant: first.invariant, atMs: first.atMs });
    // The stopped trace: the full one up to the step that failed the judge and its verdict, then
    // the final verdicts at the stop (the full run's come at its end).
    const finalsAt = stopped.findIndex((line) => isVerdict(line) && JSON.parse(line).final === true);
    expect(finalsAt).toBeGreaterThan(1);
    expect(finalsAt).toBeLessThan(full.length);
    expect(stopped.slice(0, finalsAt)).toEqual(full.slice(0, finalsAt));
    expect(JSON.parse(stopped[finalsAt - 1]!)).toEqual({ kind: 'verdict', atMs: first.atMs, invariant: first.invariant, ok: false, message: first.message });
    expect(JSON.parse(stopped[finalsAt - 2]!)).toMatchObject({ atMs: first.atMs });
    expect(isVerdict(stopped[finalsAt - 2]!)).toBe(false);
    const finals = verdictsOf(stopped.slice(finalsAt));
    expect(finals).toHaveLength(stopped.length - finalsAt);
    expect(finals.every((verdict) => verdict.final === true && verdict.atMs === first.atMs)).toBe(true);
    expect(finals.find((verdict) => verdict.invariant === first.invariant)).toMatchObject({ ok: false, violations: 1 });
    // Verdicts are left out of the count of events the replay wrote.
    expect(early.lines).toBe(early.result.report.traceEvents);
  });

  it('replays a failing run --trace file from the file alone: it stops at the first violation and matches up to there', async () => {
    const runTrace = join(dir, 'failing-run.jsonl');
    const scenarioPath = join(dir, 'failing.json');
    writeFileSync(scenarioPath, JSON.stringify(failing));
    const result = await cli('run', scenarioPath, '--seed', '1', '--plant', 'ack-before-vdl', '--trace', runTrace, '--json');
    expect(result.code).toBe(1);
    const lines = readFileSync(runTrace, 'utf8').trimEnd().split('\n');
    expect(parseTraceHeader(lines[0]!)).toEqual({ seed: 1, scenario: failing, plant: 'ack-before-vdl' });
    const online = verdictsOf(lines).filter((verdict) => verdict.final !== true);
    expect(online.map((verdict) => verdict.invariant)).toContain('S5 commit rule');
    const again = await cli('replay', runTrace, '--shrink-runs', '1', '--json');
    expect(again.code).toBe(1);
    const report = JSON.parse(again.stdout);
    expect(report.stopped.invariant).toBe('S5 commit rule');
    // Compared: every line up to the step that stopped the run and its verdict, no further.
    const s5 = lines.findIndex((line) => isVerdict(line) && JSON.parse(line).invariant === 'S5 commit rule');
    expect(report.trace).toMatchObject({ matches: true, lines: lines.length - 1, compared: s5 });
    expect(report.traceEvents).toBe(lines.slice(1, s5 + 1).filter((line) => !isVerdict(line)).length);
  });

  it('replay of a failing run: stops, names the violation, prints the shrunk plan; its trace replays to a match', async () => {
    const stoppedPath = join(dir, 'stopped.jsonl');
    const result = await cli('replay', '--seed', '1', '--scenario', JSON.stringify(failing), '--plant', 'ack-before-vdl', '--shrink-runs', '3', '--trace', stoppedPath, '--json');
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(report.stopped.invariant).toBe('S5 commit rule');
    expect(report.stopped.atMs).toBeLessThan(failing.durationMs);
    expect(report.simulatedMs).toBe(report.stopped.atMs);
    expect(report.violations[0]).toMatchObject({ invariant: 'S5 commit rule', atMs: report.stopped.atMs });
    expect(report.shrunk.runs).toBeLessThanOrEqual(3);
    expect(report.shrunk.scenario.faults.length).toBeLessThanOrEqual(failing.faults.length);
    expect(report.shrunk.replay).toMatch(/--plant ack-before-vdl$/);
    expect(result.stderr).toMatch(new RegExp(`violation of S5 commit rule found, stopped at \\d+ of ${failing.durationMs} ms; shrinking`));
    const stoppedLines = readFileSync(stoppedPath, 'utf8').trimEnd().split('\n');
    expect(stoppedLines.length - 1 - verdictsOf(stoppedLines.slice(1)).length).toBe(report.traceEvents);
    const again = await cli('replay', stoppedPath, '--shrink-runs', '1');
    expect(again.code).toBe(1);
    expect(again.stdout).toContain(`stopped     at ${Math.round(report.stopped.atMs)} ms, at the first violation (S5 commit rule)`);
    // The file ends with the verdicts written at the stop: the comparison goes through all of it.
    expect(again.stdout).toContain(`trace       matches ${stoppedPath} (its first ${stoppedLines.length - 1} of ${stoppedLines.length - 1} lines, up to the stop)`);
    expect(again.stdout).toMatch(/^shrunk {6}in 1 runs: /m);
  });

  it.each([
    [['replay'], /replay needs a trace file or --seed N/],
    [['replay', '--seed', '1'], /replay --seed needs --scenario/],
    [['replay', '--seed', '1', '--scenario', '{"name":'], /--scenario is not valid JSON/],
    [['replay', '--seed', '1', '--scenario', '{"name":"x","durationMs":-1}'], /durationMs must be a number > 0/],
    [['replay', '--seed', '1', '--scenario', 'steady-state', '--plant', 'nope'], /--plant must be one of write-quorum-3of6,/],
    [['replay', '--seed', '1', '--scenario', 'steady-state', '--shrink-runs', '0'], /--shrink-runs must be an integer >= 1, got "0"/],
    [['replay', join(tmpdir(), 'no-such-trace.jsonl')], /no-such-trace.jsonl: no such file/],
  ])('refuses bad input %j in one line, exit 2', async (argv, message) => {
    const result = await cli(...argv);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stdout).toBe('');
  });
});
