// Lint rules that keep the simulation deterministic (ARCHITECTURE §4) plus typescript-eslint's
// recommended set. Import layering is checked by dependency-cruiser (.dependency-cruiser.cjs).
import tseslint from 'typescript-eslint';

const ambientMessage = 'Simulated code must take time and chance from the kernel (VirtualClock, Rng): see ARCHITECTURE §4.';

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'coverage/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The simulated path: models, the pure protocol, the kernel and assembly.
    files: ['models/**/*.ts', 'src/protocol/**/*.ts', 'src/kernel/**/*.ts', 'src/cluster/**/*.ts'],
    rules: {
      'no-restricted-globals': [
        'error',
        { name: 'setTimeout', message: ambientMessage },
        { name: 'setInterval', message: ambientMessage },
        { name: 'setImmediate', message: ambientMessage },
        { name: 'clearTimeout', message: ambientMessage },
        { name: 'clearInterval', message: ambientMessage },
        { name: 'queueMicrotask', message: ambientMessage },
        { name: 'performance', message: ambientMessage },
        { name: 'Promise', message: 'No promises in simulated code: effects are data delivered by the kernel.' },
      ],
      'no-restricted-syntax': [
        'error',
        { selector: "MemberExpression[object.name='Math'][property.name='random']", message: ambientMessage },
        { selector: "MemberExpression[object.name='Date'][property.name='now']", message: ambientMessage },
        { selector: "NewExpression[callee.name='Date']", message: ambientMessage },
        { selector: "MemberExpression[object.name='performance'][property.name='now']", message: ambientMessage },
        { selector: "MemberExpression[object.name='process'][property.name='hrtime']", message: ambientMessage },
        { selector: 'FunctionDeclaration[async=true], ArrowFunctionExpression[async=true], FunctionExpression[async=true]', message: 'No async code in the simulated path.' },
        { selector: 'AwaitExpression', message: 'No async code in the simulated path.' },
      ],
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'node:timers', message: ambientMessage },
            { name: 'timers', message: ambientMessage },
            { name: 'node:timers/promises', message: ambientMessage },
            { name: 'node:perf_hooks', message: ambientMessage },
          ],
          patterns: [{ group: ['xstate/*'], importNames: ['SimulatedClock'], message: 'Use the kernel VirtualClock.' }],
        },
      ],
    },
  },
  {
    // fromPromise actors would bring real async scheduling into the statecharts.
    files: ['models/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'xstate', importNames: ['fromPromise', 'fromCallback', 'SimulatedClock', 'sendTo', 'sendParent'], message: 'Machines emit effects as data through the named send action (STYLE rule 1).' }],
        },
      ],
    },
  },
);
