/**
 * `npm run conflict-rate [-- --seed N]`: prints the multi-writer conflict-rate table
 * (`conflict-rate.ts`) as Markdown on stdout, the seed first on stderr.
 */
import { conflictRateMarkdown, conflictRateTable } from './conflict-rate.js';

const seedAt = process.argv.indexOf('--seed');
const seed = seedAt === -1 ? 1 : Number(process.argv[seedAt + 1]);
if (!Number.isInteger(seed)) {
  process.stderr.write(`--seed must be an integer, got ${process.argv[seedAt + 1] ?? 'nothing'}\n`);
  process.exit(2);
}
process.stderr.write(`SEED=${seed}\n`);
process.stdout.write(`${conflictRateMarkdown(conflictRateTable({ seed, writers: [2, 3, 4] }))}\n`);
