// Lint rules that keep the simulation deterministic (docs/determinism.md,
// "Where time and chance come from") plus typescript-eslint's recommended set. Import layering is
// checked by dependency-cruiser (.dependency-cruiser.cjs).
//
// Every folder of src/ is covered. The simulated path (models, protocol, kernel, cluster, check,
// explore, scenarios, simulation, experiments, the mirrored-MySQL baseline and the library entry)
// takes time and chance only from the kernel.
// The command line, the viewer, the benchmarks and the sweep runner (which spreads whole runs over worker
// threads) run outside the simulation and read wall time on purpose;
// they are listed below with what they may do, and still take chance only from the kernel's Rng.
import tseslint from 'typescript-eslint';

const ambientMessage = 'Simulated code must take time and chance from the kernel (VirtualClock, Rng): see docs/determinism.md, "Where time and chance come from".';
const chanceMessage = 'Take chance from the kernel Rng (createRng), so every number a run uses comes from its seed.';

/** Real timers: no code of ours schedules on the wall clock. */
const timerGlobals = ['setTimeout', 'setInterval', 'setImmediate', 'clearTimeout', 'clearInterval', 'queueMicrotask'].map((name) => ({ name, message: ambientMessage }));
const timerImports = ['node:timers', 'timers', 'node:timers/promises'].map((name) => ({ name, message: ambientMessage }));
/** Wall time and asynchrony: banned in the simulated path only. */
const wallTimeGlobals = [{ name: 'performance', message: ambientMessage }];
const asyncGlobals = [{ name: 'Promise', message: 'No promises in simulated code: effects are data delivered by the kernel.' }];
const chanceSyntax = [{ selector: "MemberExpression[object.name='Math'][property.name='random']", message: chanceMessage }];
const wallTimeSyntax = [
  { selector: "MemberExpression[object.name='Date'][property.name='now']", message: ambientMessage },
  { selector: "NewExpression[callee.name='Date']", message: ambientMessage },
  { selector: "MemberExpression[object.name='performance'][property.name='now']", message: ambientMessage },
  { selector: "MemberExpression[object.name='process'][property.name='hrtime']", message: ambientMessage },
];
const asyncSyntax = [
  { selector: 'FunctionDeclaration[async=true], ArrowFunctionExpression[async=true], FunctionExpression[async=true]', message: 'No async code in the simulated path.' },
  { selector: 'AwaitExpression', message: 'No async code in the simulated path.' },
];
const simulatedClockPattern = { group: ['xstate/*'], importNames: ['SimulatedClock'], message: 'Use the kernel VirtualClock.' };

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'coverage/**', 'docs/api/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The simulated path: everything a run executes between its seed and its report.
    files: [
      'models/**/*.ts',
      'src/protocol/**/*.ts',
      'src/kernel/**/*.ts',
      'src/cluster/**/*.ts',
      'src/check/**/*.ts',
      'src/explore/**/*.ts',
      'src/scenarios/**/*.ts',
      'src/simulation/**/*.ts',
      'src/testing/**/*.ts',
      'src/experiments/**/*.ts',
      'src/baseline/**/*.ts',
      'src/index.ts',
    ],
    rules: {
      'no-restricted-globals': ['error', ...timerGlobals, ...wallTimeGlobals, ...asyncGlobals],
      'no-restricted-syntax': ['error', ...chanceSyntax, ...wallTimeSyntax, ...asyncSyntax],
      'no-restricted-imports': [
        'error',
        {
          paths: [...timerImports, { name: 'node:perf_hooks', message: ambientMessage }],
          patterns: [simulatedClockPattern],
        },
      ],
    },
  },
  {
    // Outside the simulation. The benchmarks time the simulation with performance.now() (their
    // figures are wall-clock rates by definition), and the command line is async at its entry
    // (bin/aurora-actors.js awaits main) and may report wall time to people. Both still take
    // chance only from the kernel Rng and schedule nothing on real timers.
    files: ['src/bench/**/*.ts', 'src/cli/**/*.ts', 'src/cli.ts', 'src/sweep/**/*.ts'],
    rules: {
      'no-restricted-globals': ['error', ...timerGlobals],
      'no-restricted-syntax': ['error', ...chanceSyntax],
      // The kernel benchmark times xstate's SimulatedClock against ours, so it may import it.
      'no-restricted-imports': ['error', { paths: timerImports }],
    },
  },
  {
    // fromPromise actors would bring real async scheduling into the statecharts. A later block
    // replaces a rule's options rather than adding to them, so the simulated-path bans are
    // repeated here.
    files: ['models/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...timerImports,
            { name: 'node:perf_hooks', message: ambientMessage },
            { name: 'xstate', importNames: ['fromPromise', 'fromCallback', 'SimulatedClock', 'sendTo', 'sendParent'], message: 'Machines emit effects as data through the named send action (docs/architecture.md, "One machine, two interpreters").' },
          ],
          patterns: [simulatedClockPattern],
        },
      ],
    },
  },
  {
    // `run --inspect` talks to a real socket: it waits for Stately's converter, which runs each
    // event on its own timer, and gives the inspector's close frame a bounded wait. Those timers
    // run between kernel steps and after the run, never inside it (docs/simulation-guide.md,
    // "Live inspection").
    files: ['src/cli/inspect.ts'],
    rules: {
      'no-restricted-globals': 'off',
    },
  },
  {
    // The viewer (docs/viewer.md) runs after the run, on a recorded trace: its server answers
    // requests and its page (a browser script) follows the mouse and the animation frames. It still
    // takes no chance outside the kernel.
    files: ['src/viz/**/*.ts', 'src/viz/**/*.js'],
    rules: {
      'no-restricted-syntax': ['error', ...chanceSyntax],
    },
  },
);
