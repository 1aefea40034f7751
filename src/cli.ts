/**
 * The `aurora-actors` command line (README.md, "Use it"; docs/simulation-guide.md).
 *
 * Every run states `SEED=<n>` first, on stderr (docs/simulation-guide.md, "Running a scenario"), so
 * with `--json` stdout is exactly one JSON document (the seed is inside it too) that `jq` or
 * `JSON.parse` can read; words for people go to stderr. Bad input ends with one clear line naming
 * the field and what is allowed, exit code 2, no stack trace. A violated invariant or a lost
 * acknowledged commit exits with 1; a report printed while an output file could not be written
 * whole, with 3.
 */
import { runBenchmarks } from './bench/kernel-bench.js';
import { formatBenchReport } from './bench/format.js';
import { checkHistoryCommand } from './cli/check-history.js';
import { formatHeartbeatReport, heartbeatReport } from './cli/heartbeat-report.js';
import { closeOutputs, EXIT_OUTPUT_FAILED, loadPrices, loadScenario, openOutput, parse, parseSeed, UsageError } from './cli/args.js';
import { experimentCommand } from './cli/experiment.js';
import { DEFAULT_PRICES } from './simulation/prices.js';
import { METRICS_CSV_HEADER, metricsFormatOf, metricsLine } from './cli/metrics-file.js';
import type { CliIo } from './cli/args.js';
import { plantsCommand } from './cli/plants.js';
import { exploreCommand } from './cli/explore.js';
import { exportMachinesCommand } from './cli/export-machines.js';
import { formatRunReport } from './cli/run-report.js';
import { renderHtmlReport } from './cli/html-report.js';
import { runSampledWithProgress, runWithProgress, runWithProgressPausing } from './cli/progress.js';
import { connectInspector, inspectorPage, inspectUrl, takeInspectFlag } from './cli/inspect.js';
import type { LiveInspector } from './cli/inspect.js';
import { isPlantName, PLANT_NAMES } from './protocol/plants.js';
import type { PlantName } from './protocol/plants.js';
import { replayCommand } from './cli/replay.js';
import { vizCommand } from './cli/viz.js';
import { mergeCommand } from './cli/merge.js';
import { sweepCommand } from './cli/sweep.js';
import { ScenarioError } from './cluster/errors.js';
import { runHeartbeatWorld } from './cluster/heartbeat-world.js';
import { BUILTIN_SCENARIOS, scenarioNames } from './scenarios/builtin.js';
import { RunSampler } from './simulation/run-series.js';
import { Simulation } from './simulation/simulation.js';
import { traceHeaderLine } from './testing/replay.js';

export { EXIT_OUTPUT_FAILED, parseSeed, SEED_RANGE, UsageError } from './cli/args.js';
export type { CliIo } from './cli/args.js';

const HELP = `aurora-actors: deterministic xstate actors modelling Amazon Aurora's storage and replication

Usage (SEED is an integer from -9007199254740991 to 9007199254740991, ±(2^53 − 1); default 1):
  aurora-actors scenarios
      Lists the built-in scenarios, one line each.
  aurora-actors run <scenario|file.json> [--seed N] [--json] [--trace out.jsonl] [--history out.jsonl] [--metrics out.csv|out.jsonl] [--prices prices.json] [--html report.html] [--audit out.jsonl] [--plant NAME] [--inspect [PORT|ws-url]]
      Runs a scenario: states SEED=N on stderr, then prints a readable report on stdout (with
      --json, stdout is exactly one JSON document: the report, which holds the seed).
      Exit 1 if an invariant is violated or an acknowledged commit is lost; 2 on bad input
      (including a --trace, --history, --metrics, --html or --audit path that cannot be written,
      refused before the run);
      3 if the report was printed but an output file could not be written whole.
      --trace FILE writes the trace as JSON lines (docs/trace-format.md): a header naming the
      seed, scenario and plant (so replay FILE needs nothing else), the run's events, a verdict
      line right after the step in which a judge first fails, and every judge's verdict at the end.
      --metrics FILE writes every CloudWatch-style datapoint (CommitLatency, VolumeWriteIOPs,
      AuroraReplicaLag, ...; docs/semantics.md, "Metrics"), one per series per metrics.periodMs,
      as CSV rows (FILE.csv) or JSON lines (FILE.jsonl).
      --prices FILE bills the run's cost block at the prices of FILE (a price list as \`prices\`
      prints it) instead of the defaults.
      --html FILE also writes one self-contained HTML page (opens offline) charting the run over
      virtual time: faults, throughput and latency, quorum health per PG, SCL/PGCL/VCL/VDL,
      replica lag, and every judge's verdict; the run itself is the same (same traceHash).
      --audit FILE writes the audit log of a scenario with a \`security\` section as JSON lines
      (docs/semantics.md, "Security"): every connection attempt, accepted or refused with the
      reason, every connection closed, every get and put with the connection it came on; the
      run is the same (same traceHash).
      --plant NAME runs with one known protocol mistake switched on (see \`plants\`); a run
      whose judges find nothing then says "not detected" on stderr and exits 4.
      --inspect [PORT|ws-url] sends xstate's inspection events, live, to Stately's inspector
      server (@statelyai/inspect; default ws://localhost:8080) and says on stderr which page
      shows them; with nothing listening the run goes on without; the report is the same.
  aurora-actors plants [--json]
      Lists the plantable mistakes: what each breaks, which judge finds it, and the one
      command that shows it (exit 1 from that command means the mistake was found).
  aurora-actors replay <trace.jsonl> | --seed N --scenario <name|file.json|json> [--json] [--trace out.jsonl] [--plant NAME] [--shrink-runs N]
      Runs a recorded run again: states SEED=N on stderr, compares the new trace with the trace
      file line by line and shows the first divergence (line, expected, got), then the earliest
      violation (time, invariant, message); a failing run is shrunk (same seed, at most
      --shrink-runs runs, default 40) and its smaller scenario printed with a replay line. A
      trace written by run --trace or replay --trace opens with a header naming its seed,
      scenario and plant, so the file alone replays; for a trace without one, give --seed and
      --scenario. Verdict lines (which judge failed at which step, and every judge's verdict at
      the end) are skipped by the comparison, as by the traceHash. Exit 1 on a violation or a
      divergence, 0 when the run is clean and matches, 2 on bad input.
  aurora-actors sweep <scenario|file.json> --seeds A..B [--workers N] [--shard i/n] [--swarm] [--plant M] [--json]
      Runs the scenario once per seed of A..B on N worker threads (default: one per core;
      --workers 1 runs in this process), reruns a sample of seeds on another worker to check
      that each gives the same trace hash, and prints one row per seed (with --json, one
      mergeable JSON summary). --shard i/n takes the seeds whose position in A..B is i mod n
      (0-based i), for CI matrices and Kubernetes Indexed Jobs. States SEEDS=A..B first on
      stderr, then progress there. Exit 1 if a run failed or the self-check did; 2 on bad input.
  aurora-actors merge FILE... [--json]
      Merges sweep summaries (the shards of one sweep) into one, refusing different scenarios,
      plants or versions and seeds run twice, and lists the seeds of the range no file ran.
      Exit 1 if a run failed, a self-check failed or seeds are missing; 2 on bad input.
  aurora-actors demo [--seed N] [--json] [--trace out.jsonl]
      Runs the kernel demo: a health monitor pinging three nodes across three AZs while one
      crashes and restarts; states the seed on stderr, prints a timeline and the trace hash.
  aurora-actors bench [--seed N] [--json] [--quick]
      Measures the kernel and the simulations in one run: xstate's raw event ceiling, clock and
      network rates, interpreter speed, write-path throughput, each built-in scenario against
      its limit, and heap growth over 600 simulated seconds; states SEED=N and progress on
      stderr, prints a readable table on stdout (with --json, one JSON document with stable
      figure names and goals). Run it with node --expose-gc (npm run bench does) so heap
      figures are taken after garbage collection. --quick: shorter runs, two scenarios, heap
      at 60 s over 6 s.
  aurora-actors explore <model|module> [--bfs|--dfs] [--max-depth N] [--max-states N] [--symmetry]
                [--network S] [--rms N] [--writes N] [--client concurrent|one-at-a-time]
                [--crashes N] [--lal N] [--shipments N] [--loss] [--failover] [--plant NAME]
                [--json] [--trace out.jsonl]
      Searches every reachable state of a model's xstate machines (docs/explorer.md): built-in
      models abd-register, two-phase-commit (--rms N resource managers, default 3),
      tiny-volume (the real segment, writer and metadata machines, S1-S9 judged in every
      state: --writes, --client, --crashes, --lal, --plant) and tiny-global (a Global Database
      secondary's agent, region statechart and segments, S17 judged in every state:
      --shipments, --loss, --failover, --plant), or a path to a module exporting an
      ExploreModel. Prints unique states, states/s, the depth reached
      and each property (always: held/violated, sometimes: found/not-found), with the path of
      choices to a counterexample, which is replayed live (real xstate actors) and compared
      state for state; --trace writes that path (or a witness's) as a trace.
      --network: unordered-nonduplicating, unordered-duplicating or ordered (default: the
      model's). Exit 1 if an always property is violated; 2 on bad input; 4 if a --plant
      was not detected.
  aurora-actors experiment <name|all> [--seed N] [--json] [--quick] [--svg DIR] [--markdown FILE]
      Runs an experiment that puts our figures beside the published ones (docs/experiments.md):
      quorum-tail, io-per-txn, replica-lag, durability, failover, recovery, aurora-vs-rds, or
      all of them. Prints each experiment's tables and a note on every difference (with --json,
      stdout is exactly one JSON document { seed, quick, experiments }). --quick: fewer seeds
      and shorter runs, the same tables. --svg draws each figure into DIR as
      <experiment>-<figure>.svg; --markdown writes the docs page (linking the drawings when
      --svg is given). Exit 2 on bad input; 3 if an output could not be written.
  aurora-actors prices
      Prints the default price list the cost block bills at (Aurora on-demand, us-east-1, with
      its date and source) as JSON: a file to edit and give to run --prices.
  aurora-actors check-history FILE... [--model M] [--json] [--max-states N] [--failed-cas C]
      Judges recorded histories (docs/history-format.md): Jepsen logs or JSON lines of read,
      write and cas operations are checked for linearizability (--model linearizable, their
      default), key by key; prints each file's verdict, and for a violation the longest
      linearizable prefix and the operations that cannot be placed, with why (with --json, one
      JSON document { files, ok }). Transactional histories (f = txn) are judged by their
      dependency graph: --model strict-serializable (their default), serializable,
      snapshot-isolation or read-committed; each anomaly class is counted and named (G1c,
      G-single, G2, real-time), with a cycle for each the model forbids (docs/semantics.md,
      "Isolation"). --max-states (default 5000000): search budget per register
      file; past it the verdict is unknown. --failed-cas no-effect (default) | compared-unequal:
      a failed cas took no effect, or also saw the register not holding its expected value.
      Exit 0 if every history passes, 1 if one is violated or unknown, 2 on bad input.
  aurora-actors export-machines --out DIR [--json]
      Writes every statechart a cluster runs (docs/statecharts.md) to DIR: <name>.json, an
      xstate machine config that createMachine builds back into the same states and
      transitions, and <name>.mmd, a Mermaid stateDiagram-v2 (guards in brackets). With --json,
      stdout is one JSON summary: machines, states, transitions, files. Exit 2 on bad input.
  aurora-actors viz [trace.jsonl...] | --run <scenario> [--seed N] [--plant NAME]
                    | --explore <model> [explore's flags] [--port P] [--json]
      The viewer (docs/viewer.md): serves one page on 127.0.0.1 only (default port 7357; 0 for
      any free one) that replays a trace step by step: the topology coloured by state, a time
      scrubber, a message sequence diagram, the selected actor's statechart with its active
      state, every invariant's status and the first violation. Traces come from files (run,
      replay and explore write them with --trace), from a run made now (--run; with no source
      at all, the quick start's az-plus-one, seed 1), or from an exploration's counterexample
      (--explore, e.g. --explore tiny-volume --plant write-quorum-3of6 --symmetry). The address
      goes to stderr (with --json, stdout gets one JSON document { url, port, traces }); it
      serves until interrupted. Exit 2 on bad input (a trace that is not JSON lines, a busy port).
  aurora-actors help
`;

const PROCESS_IO: CliIo = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
};

/** Runs the command line; returns the exit code. */
export async function main(argv: readonly string[], io: CliIo = PROCESS_IO): Promise<number> {
  try {
    const [command, ...rest] = argv;
    switch (command) {
      case 'scenarios':
        return listScenarios(rest, io);
      case 'run':
        return await run(rest, io);
      case 'plants':
        return plantsCommand(rest, io);
      case 'experiment':
        return await experimentCommand(rest, io);
      case 'prices':
        parse(rest, {});
        io.out(JSON.stringify(DEFAULT_PRICES, null, 2) + '\n');
        return 0;
      case 'demo':
        return demo(rest, io);
      case 'bench':
        return bench(rest, io);
      case 'replay':
        return await replayCommand(rest, io);
      case 'sweep':
        return await sweepCommand(rest, io);
      case 'merge':
        return await mergeCommand(rest, io);
      case 'explore':
        return await exploreCommand(rest, io);
      case 'check-history':
        return checkHistoryCommand(rest, io);
      case 'export-machines':
        return exportMachinesCommand(rest, io);
      case 'viz':
        return await vizCommand(rest, io);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.out(HELP);
        return 0;
      default:
        throw new UsageError(`unknown command "${command}"; allowed: scenarios, run, replay, sweep, merge, explore, check-history, export-machines, viz, plants, prices, experiment, demo, bench, help`);
    }
  } catch (error) {
    if (error instanceof UsageError || error instanceof ScenarioError) {
      io.err(`aurora-actors: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}

function demo(argv: readonly string[], { out, err }: CliIo): number {
  const { values } = parse(argv, { seed: { type: 'string' }, json: { type: 'boolean' }, trace: { type: 'string' } });
  const seed = parseSeed(values.seed as string | undefined, 1);
  const trace = openOutput('--trace', values.trace);
  err(`SEED=${seed}\n`);
  const result = runHeartbeatWorld({
    seed,
    network: { lossRatio: 0.02 },
    trace: trace === undefined ? {} : { sink: (line) => trace.line(line) },
  });
  const report = heartbeatReport(result);
  out(values.json === true ? JSON.stringify(report, null, 2) + '\n' : formatHeartbeatReport(report));
  return closeOutputs([trace], err) ? 0 : EXIT_OUTPUT_FAILED;
}

function bench(argv: readonly string[], { out, err }: CliIo): number {
  let values: ReturnType<typeof parse>['values'];
  try {
    ({ values } = parse(argv, { seed: { type: 'string' }, json: { type: 'boolean' }, quick: { type: 'boolean' } }));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    throw new UsageError(`${error.message.replace(/\.$/, '')}; bench takes --seed N, --json and --quick`);
  }
  const seed = parseSeed(values.seed as string | undefined, 1);
  // As with run: the seed and progress are for people, on stderr; stdout holds only the report.
  err(`SEED=${seed}\n`);
  const report = runBenchmarks({ seed, quick: values.quick === true, progress: (line) => err(line + '\n') });
  out(values.json === true ? JSON.stringify(report, null, 2) + '\n' : formatBenchReport(report));
  return 0;
}

function listScenarios(argv: readonly string[], { out }: CliIo): number {
  parse(argv, {});
  const width = Math.max(...scenarioNames().map((name) => name.length));
  for (const scenario of BUILTIN_SCENARIOS) out(`${scenario.name.padEnd(width)}  ${scenario.description}\n`);
  return 0;
}

async function run(argv: readonly string[], { out, err, progressEveryMs }: CliIo): Promise<number> {
  const { values, positionals } = parse(
    takeInspectFlag(argv),
    {
      seed: { type: 'string' },
      json: { type: 'boolean' },
      trace: { type: 'string' },
      history: { type: 'string' },
      plant: { type: 'string' },
      html: { type: 'string' },
      metrics: { type: 'string' },
      prices: { type: 'string' },
      inspect: { type: 'string' },
      audit: { type: 'string' },
    },
    1,
  );
  const seed = parseSeed(values.seed as string | undefined, 1);
  const plant = parsePlant(values.plant as string | undefined);
  const inspectAt = values.inspect === undefined ? undefined : inspectUrl(String(values.inspect));
  const scenario = loadScenario(positionals[0]);
  const prices = loadPrices(values.prices as string | undefined);
  if (values.audit !== undefined && scenario.security === undefined) {
    throw new UsageError(`--audit needs a scenario with a \`security\` section (its front door keeps the audit log, docs/protocol.md §15); ${scenario.name} has none`);
  }
  // Output paths are opened before the run: a path that cannot be written costs no simulated time.
  const trace = openOutput('--trace', values.trace);
  const history = openOutput('--history', values.history);
  const html = openOutput('--html', values.html);
  const metricsFormat = values.metrics === undefined ? undefined : metricsFormatOf(String(values.metrics));
  const metrics = openOutput('--metrics', values.metrics);
  if (metricsFormat === 'csv') metrics?.line(METRICS_CSV_HEADER);
  const audit = openOutput('--audit', values.audit);
  // The seed comes first, before anything can fail, so every run can be replayed.
  err(`SEED=${seed}\n`);
  // The header names the seed, scenario and plant, so `replay FILE` needs nothing else; the kernel
  // never records it, so it is not hashed (docs/trace-format.md, "Header line").
  trace?.line(traceHeaderLine({ seed, scenario, ...(plant === undefined ? {} : { plant }) }));
  let live: LiveInspector | undefined;
  if (inspectAt !== undefined) {
    err(`inspect: sending Stately inspection events to ${inspectAt}; see them at ${inspectorPage(inspectAt)} (@statelyai/inspect's inspector server; docs/simulation-guide.md, "Live inspection")\n`);
    live = await connectInspector(inspectAt, err);
  }
  let sim: Simulation;
  let report: ReturnType<Simulation['report']>;
  let sampler: RunSampler | undefined;
  try {
    sim = new Simulation({
      seed,
      scenario,
      ...(plant === undefined ? {} : { plant }),
      ...(prices === undefined ? {} : { prices }),
      // Inspection only observes (src/cli/inspect.ts): same steps, same traceHash.
      ...(live === undefined ? {} : { inspect: live.inspect }),
      trace: { keepEvents: false, sink: trace === undefined ? undefined : (line) => trace.line(line) },
      // Verdicts only observe (neither hashed nor counted); without a trace file they are not asked for.
      traceVerdicts: trace !== undefined,
      // Entries go to the file as they happen; the report needs only the history's counts.
      history: { keepEntries: false, sink: history === undefined ? undefined : (entry) => history.line(JSON.stringify(entry)) },
    });
    // Datapoints go to the file as their periods close; the report closes the last whole one.
    if (metrics !== undefined && metricsFormat !== undefined) sim.streams.metrics$.subscribe((datum) => metrics.line(metricsLine(datum, metricsFormat)));
    // The audit log only observes the world stream (src/cluster/audit.ts): same traceHash.
    if (audit !== undefined) sim.streams.audit$.subscribe((entry) => audit.line(JSON.stringify(entry)));
    // The HTML report samples the run as it goes; sampling only observes (same traceHash).
    sampler = html === undefined ? undefined : new RunSampler(sim);
    const progress = { err, ...(progressEveryMs === undefined ? {} : { everyMs: progressEveryMs }) };
    // Under --inspect the run pauses so events leave as it goes; sampled for --html, they leave at the end.
    if (sampler !== undefined) runSampledWithProgress(sim, sampler, progress);
    else if (live !== undefined) await runWithProgressPausing(sim, progress, live.flush);
    else runWithProgress(sim, progress);
    report = sim.report();
    // Before the file closes: every judge's verdict at the end, in the report's order.
    if (trace !== undefined) sim.recordFinalVerdicts(report);
  } catch (error) {
    // A run that breaks leaves its trace up to the break on disk: the first thing to read.
    closeOutputs([trace, history, html, metrics, audit], err);
    // An open socket would keep the process alive after the error.
    await live?.close();
    throw error;
  }
  const replay = `aurora-actors run ${positionals[0]} --seed ${seed}${plant === undefined ? '' : ` --plant ${plant}`}`;
  // The report first: a file that could not be written must not lose it.
  out(values.json === true ? JSON.stringify(report, null, 2) + '\n' : formatRunReport(report, scenario, replay));
  if (html !== undefined && sampler !== undefined) {
    html.line(renderHtmlReport({ report, series: sampler.series(), scenario, topology: sim.topology, replay }));
    err(`HTML report: ${html.path}\n`);
  }
  const written = closeOutputs([trace, history, html, metrics, audit], err);
  await live?.close();
  const failed = report.commits.lostAcknowledged > 0 || report.invariants.some((result) => !result.ok);
  if (plant !== undefined && !failed) {
    // A planted run that the judges pass must never read as a clean run.
    err(`aurora-actors: plant ${plant} not detected in this run (1 seed, ${report.simulatedMs} ms simulated); try the command \`aurora-actors plants\` lists for it\n`);
    return EXIT_PLANT_UNDETECTED;
  }
  return failed ? 1 : written ? 0 : EXIT_OUTPUT_FAILED;
}

/** Exit code of a `run --plant` whose judges found nothing: neither clean (0) nor a finding (1). */
export const EXIT_PLANT_UNDETECTED = 4;

/** The `--plant` value: a name from src/protocol/plants.ts, or a usage error listing them. */
function parsePlant(value: string | undefined): PlantName | undefined {
  if (value === undefined) return undefined;
  if (!isPlantName(value)) throw new UsageError(`--plant must be one of ${PLANT_NAMES.join(', ')}; got "${value}"`);
  return value;
}

