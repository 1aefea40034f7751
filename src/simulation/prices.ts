/**
 * The price list the cost model bills a run at (docs/semantics.md, "Cost"): Aurora's on-demand
 * prices in one region, as a parameter a user can replace (`run --prices FILE`; `aurora-actors
 * prices` prints these defaults as a file to edit). Each price is an item of the AWS pricing page;
 * the defaults say where and when they were read.
 */
import * as z from 'zod';

/** One provisioned instance class and its hourly price under each storage configuration. */
export interface InstanceClassPrice {
  name: string;
  /** Its memory: an instance of `sizeAcu` ACUs (about 2 GiB each) is billed as the smallest class with at least that much. */
  memoryGiB: number;
  standardPerHour: number;
  ioOptimizedPerHour: number;
}

/** A price list; see the file header. */
export interface PriceList {
  region: string;
  currency: string;
  /** When the prices were read, ISO 8601. */
  dated: string;
  /** Where they were read. */
  source: string;
  /** Provisioned instances, by memory; at least one. */
  instanceClasses: InstanceClassPrice[];
  /** Serverless v2 capacity, per ACU-hour. */
  serverlessAcuHour: { standard: number; ioOptimized: number };
  /** Volume storage, per GiB-month. */
  storageGiBMonth: { standard: number; ioOptimized: number };
  /** Read and write I/O requests, per million (Aurora Standard only; I/O-Optimized includes them). */
  ioPerMillion: number;
  /** Backup storage beyond the free amount (as much as the cluster's volume), per GiB-month. */
  backupStorageGiBMonth: number;
  /** Data sent to another region, per GiB. */
  crossRegionTransferPerGiB: number;
  /** A Global Database's replicated write I/Os in its secondary regions, per million. */
  globalReplicatedWriteIoPerMillion: number;
}

/**
 * Aurora MySQL-Compatible, on-demand, US East (N. Virginia), as the AWS pricing page lists them:
 * Standard storage $0.10 per GB-month and $0.20 per million I/O requests; I/O-Optimized storage
 * $0.225 per GB-month with I/O included and instances 30 % dearer; Serverless v2 $0.12 per
 * ACU-hour ($0.156 I/O-Optimized); backup storage $0.021 per GB-month beyond the free amount;
 * data transfer to another AWS region $0.02 per GB; Global Database replicated write I/Os $0.20
 * per million. The memory-optimized Graviton classes (db.r6g) stand for provisioned instances.
 */
export const DEFAULT_PRICES: PriceList = {
  region: 'us-east-1',
  currency: 'USD',
  dated: '2026-06-01',
  source: 'https://aws.amazon.com/rds/aurora/pricing/ (Aurora MySQL-Compatible Edition, on-demand, US East (N. Virginia))',
  instanceClasses: [
    { name: 'db.r6g.large', memoryGiB: 16, standardPerHour: 0.26, ioOptimizedPerHour: 0.338 },
    { name: 'db.r6g.xlarge', memoryGiB: 32, standardPerHour: 0.519, ioOptimizedPerHour: 0.675 },
    { name: 'db.r6g.2xlarge', memoryGiB: 64, standardPerHour: 1.038, ioOptimizedPerHour: 1.349 },
    { name: 'db.r6g.4xlarge', memoryGiB: 128, standardPerHour: 2.076, ioOptimizedPerHour: 2.699 },
    { name: 'db.r6g.8xlarge', memoryGiB: 256, standardPerHour: 4.152, ioOptimizedPerHour: 5.398 },
    { name: 'db.r6g.12xlarge', memoryGiB: 384, standardPerHour: 6.228, ioOptimizedPerHour: 8.096 },
    { name: 'db.r6g.16xlarge', memoryGiB: 512, standardPerHour: 8.304, ioOptimizedPerHour: 10.795 },
  ],
  serverlessAcuHour: { standard: 0.12, ioOptimized: 0.156 },
  storageGiBMonth: { standard: 0.1, ioOptimized: 0.225 },
  ioPerMillion: 0.2,
  backupStorageGiBMonth: 0.021,
  crossRegionTransferPerGiB: 0.02,
  globalReplicatedWriteIoPerMillion: 0.2,
};

const price = z.number({ error: 'must be a number >= 0' }).min(0, { error: 'must be a number >= 0' });
const pair = z.strictObject({ standard: price, ioOptimized: price }, { error: 'must be an object with standard and ioOptimized prices' });
const text = z.string({ error: 'must be a non-empty string' }).min(1, { error: 'must be a non-empty string' });

/** The price file's schema: every field required, so a file never half-applies the defaults. */
export const priceListSchema = z.strictObject({
  region: text,
  currency: text,
  dated: text,
  source: text,
  instanceClasses: z
    .array(
      z.strictObject({
        name: text,
        memoryGiB: z.number({ error: 'must be a number > 0' }).positive({ error: 'must be a number > 0' }),
        standardPerHour: price,
        ioOptimizedPerHour: price,
      }),
      { error: 'must be a list of instance classes' },
    )
    .min(1, { error: 'must list at least one instance class' }),
  serverlessAcuHour: pair,
  storageGiBMonth: pair,
  ioPerMillion: price,
  backupStorageGiBMonth: price,
  crossRegionTransferPerGiB: price,
  globalReplicatedWriteIoPerMillion: price,
});

/** A price list from parsed JSON, or one line naming the field and what it must be. */
export function parsePriceList(input: unknown, source: string): PriceList {
  const result = priceListSchema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = issue.path.map((part) => (typeof part === 'number' ? `[${part}]` : `.${String(part)}`)).join('').replace(/^\./, '');
  const value = issue.path.reduce<unknown>((node, part) => (node === null || typeof node !== 'object' ? undefined : (node as Record<PropertyKey, unknown>)[part as PropertyKey]), input);
  const message =
    issue.code === 'unrecognized_keys' ? `has an unknown field ${issue.keys.map((key) => `"${key}"`).join(', ')}` : value === undefined ? `is required; it ${issue.message}` : issue.message;
  throw new PriceListError(`${source}: ${field === '' ? 'the price list' : field} ${message}`);
}

/** A price file that cannot be used; its message is one line. */
export class PriceListError extends Error {
  override name = 'PriceListError';
}
