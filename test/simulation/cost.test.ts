/**
 * The cost model (src/simulation/cost.ts; docs/semantics.md, "Cost"): a bill worked out by hand
 * from made-up metrics, both storage configurations, the free backup storage, the price file's
 * refusals, and the built-in pair that shows when Aurora I/O-Optimized pays off.
 */
import { describe, expect, it } from 'vitest';
import { resolveTopology } from '../../src/cluster/topology.js';
import { findScenario, withOverrides } from '../../src/scenarios/builtin.js';
import type { MetricsReport, MetricSeriesSummary } from '../../src/simulation/cloudwatch.js';
import { costOf, HOURS_PER_MONTH, instanceClassFor } from '../../src/simulation/cost.js';
import { DEFAULT_PRICES, parsePriceList } from '../../src/simulation/prices.js';
import { Simulation } from '../../src/simulation/simulation.js';

const GIB = 2 ** 30;
const series = (metric: string, sum: number, average = sum, dimensions: Record<string, string> = {}): MetricSeriesSummary => ({
  metric,
  dimensions,
  statistic: 'Sum',
  unit: 'Count',
  datapoints: 1,
  average,
  minimum: average,
  maximum: average,
  sum,
  last: average,
});

describe('cost: a bill by hand', () => {
  // One hour with a writer (16 ACUs → 32 GiB → db.r6g.xlarge) and a 32-ACU replica (db.r6g.2xlarge),
  // 2 million I/Os, a 10 GiB volume, 1 GiB sent across regions.
  const topology = resolveTopology(withOverrides(findScenario('steady-state')!, { topology: { replicas: [{ az: 'us-east-1b', tier: 0, sizeAcu: 32 }] } }).topology, 1);
  const metrics: MetricsReport = {
    periodMs: 1_000,
    periods: 3_600,
    series: [
      series('VolumeReadIOPs', 500_000),
      series('VolumeWriteIOPs', 1_500_000),
      { ...series('VolumeBytesUsed', 0, 10 * GIB), statistic: 'Last', unit: 'Bytes' },
      { ...series('NetworkBytes', 1 * GIB, 0, { Locality: 'crossRegion' }), unit: 'Bytes' },
      { ...series('NetworkBytes', 5 * GIB, 0, { Locality: 'sameAz' }), unit: 'Bytes' },
    ],
  };
  const cost = costOf({ topology, prices: DEFAULT_PRICES, storageConfiguration: 'standard', simulatedMs: 3_600_000, metrics, backupBytes: 15 * GIB });

  it('bills each item at its price for the run', () => {
    const amounts = Object.fromEntries(cost.run.items.map((item) => [item.item, item.amount]));
    expect(amounts['instances db.r6g.xlarge (1)']).toBeCloseTo(0.519, 9);
    expect(amounts['instances db.r6g.2xlarge (1)']).toBeCloseTo(1.038, 9);
    expect(amounts['storage (the volume)']).toBeCloseTo((10 * 0.1) / HOURS_PER_MONTH, 9);
    expect(amounts['I/O requests']).toBeCloseTo(2 * 0.2, 9);
    expect(amounts['data sent to other regions']).toBeCloseTo(0.02, 9);
    // 15 GiB of backup, of which the volume's 10 GiB are free.
    expect(amounts['backup storage beyond the free amount']).toBeCloseTo((5 * 0.021) / HOURS_PER_MONTH, 9);
    expect(cost.run.total).toBeCloseTo(cost.run.items.reduce((sum, item) => sum + item.amount, 0), 12);
  });

  it('extrapolates rates to 730 hours and bills levels for the whole month', () => {
    const amounts = Object.fromEntries(cost.perMonth.items.map((item) => [item.item, item.amount]));
    expect(amounts['instances db.r6g.xlarge (1)']).toBeCloseTo(0.519 * 730, 6);
    expect(amounts['I/O requests']).toBeCloseTo(2 * 730 * 0.2, 6);
    expect(amounts['storage (the volume)']).toBeCloseTo(10 * 0.1, 9);
    expect(amounts['backup storage beyond the free amount']).toBeCloseTo(5 * 0.021, 9);
  });

  it('prices I/O-Optimized without I/O requests, at its own instance and storage prices, and says which is cheaper', () => {
    const optimized = Object.fromEntries(cost.alternative.perMonth.items.map((item) => [item.item, item.amount]));
    expect(cost.alternative.storageConfiguration).toBe('io-optimized');
    expect(optimized['I/O requests']).toBeUndefined();
    expect(optimized['instances db.r6g.xlarge (1)']).toBeCloseTo(0.675 * 730, 6);
    expect(optimized['storage (the volume)']).toBeCloseTo(10 * 0.225, 9);
    const standardIo = 2 * 730 * 0.2;
    expect(cost.ioShareOfStandard).toBeCloseTo(standardIo / cost.perMonth.total, 12);
    expect(cost.cheaper).toBe(cost.alternative.perMonth.total < cost.perMonth.total ? 'io-optimized' : 'standard');
  });

  it('takes the smallest class with the memory, else the largest', () => {
    expect(instanceClassFor(DEFAULT_PRICES, 32).name).toBe('db.r6g.xlarge');
    expect(instanceClassFor(DEFAULT_PRICES, 33).name).toBe('db.r6g.2xlarge');
    expect(instanceClassFor(DEFAULT_PRICES, 4_096).name).toBe('db.r6g.16xlarge');
  });
});

describe('cost: the price file', () => {
  it('takes a whole price list and refuses a bad field in one line naming it', () => {
    expect(parsePriceList(structuredClone(DEFAULT_PRICES), 'p.json')).toEqual(DEFAULT_PRICES);
    expect(() => parsePriceList({ ...DEFAULT_PRICES, ioPerMillion: -1 }, 'p.json')).toThrow('p.json: ioPerMillion must be a number >= 0');
    expect(() => parsePriceList({ ...DEFAULT_PRICES, instanceClasses: [] }, 'p.json')).toThrow('p.json: instanceClasses must list at least one instance class');
    const { storageGiBMonth: _dropped, ...missing } = DEFAULT_PRICES;
    expect(() => parsePriceList(missing, 'p.json')).toThrow('p.json: storageGiBMonth is required; it must be an object with standard and ioOptimized prices');
    expect(() => parsePriceList({ ...DEFAULT_PRICES, discount: 0.1 }, 'p.json')).toThrow('p.json: the price list has an unknown field "discount"');
  });
});

describe('cost: when I/O-Optimized pays off (cost-io-heavy against cost-io-light)', () => {
  const monthOf = (name: string) => {
    const sim = new Simulation({ seed: 1, scenario: findScenario(name)! });
    sim.runFor(2_000);
    return sim.report().cost!;
  };
  const heavy = monthOf('cost-io-heavy');
  const light = monthOf('cost-io-light');

  it('the heavy load: I/O is over a quarter of the Standard bill and I/O-Optimized is cheaper', () => {
    expect(heavy.storageConfiguration).toBe('standard');
    expect(heavy.ioShareOfStandard).toBeGreaterThan(0.25);
    expect(heavy.cheaper).toBe('io-optimized');
    expect(heavy.alternative.perMonth.total).toBeLessThan(heavy.perMonth.total);
  });

  it('the light load: I/O is a small part and Standard stays cheaper; both bill storage at 100 GiB', () => {
    expect(light.ioShareOfStandard).toBeLessThan(0.25);
    expect(light.cheaper).toBe('standard');
    for (const cost of [heavy, light]) {
      expect(cost.storageBilledAs).toBe('billedStorageGiB');
      expect(cost.perMonth.items.find((item) => item.item.startsWith('storage'))!.amount).toBeCloseTo(100 * 0.1, 9);
    }
    // The same instances either way: the difference is the I/O.
    expect(light.alternative.perMonth.total).toBeCloseTo(heavy.alternative.perMonth.total, 6);
  });
});
