/**
 * The Jepsen etcd corpus (test/fixtures/jepsen-etcd, 50 histories of read / write / cas against
 * etcd): every file's verdict agrees with VERDICTS.txt, under both readings of a failed cas. The
 * whole set takes about 0.2 s (docs/history-format.md; timed by `historyBenchFigures`, not here).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkLinearizability } from '../../../src/check/history/linearizability.js';
import { parseHistory } from '../../../src/check/history/parse.js';

const FOLDER = 'test/fixtures/jepsen-etcd';
const verdicts = readFileSync(`${FOLDER}/VERDICTS.txt`, 'utf8')
  .trim()
  .split('\n')
  .map((line) => line.split(/\s+/) as [string, 'linearizable' | 'not-linearizable']);

describe('Linearizability: the Jepsen etcd corpus', () => {
  it('has 50 histories, each with a verdict', () => {
    const logs = readdirSync(FOLDER).filter((name) => name.endsWith('.log')).sort();
    expect(logs).toHaveLength(50);
    expect(verdicts.map(([file]) => file).sort()).toEqual(logs);
  });

  it.each(['no-effect', 'compared-unequal'] as const)('agrees with VERDICTS.txt on every file (failed cas: %s)', (failedCas) => {
    const found = verdicts.map(([file]) => {
      const history = parseHistory(readFileSync(`${FOLDER}/${file}`, 'utf8'), file);
      if (history.kind !== 'register') throw new Error(`${file}: not a register history`);
      const { verdict } = checkLinearizability(history.operations, { failedCas });
      return [file, verdict === 'ok' ? 'linearizable' : verdict === 'violation' ? 'not-linearizable' : verdict];
    });
    expect(found).toEqual(verdicts);
  });
});
