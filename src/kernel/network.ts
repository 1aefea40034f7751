/**
 * The simulated network: every message between actors crosses it as an envelope.
 *
 * Latency depends on locality (same AZ, cross AZ, cross region) with configurable distributions
 * whose defaults follow docs/protocol.md §14, numbers and defaults; a pair of regions may have its
 * own latency and extra loss (`regionPairs`), as Global Database's links differ by distance
 * (docs/protocol.md §11.1 and §14: cross-region tens to hundreds of ms by pair). Faults: random loss,
 * duplication and reordering; symmetric and one-way partitions; clogged links (slowed by a factor
 * for an interval); and dropping at a down endpoint. Every choice comes from the RNG, on separate
 * forks per concern, so switching on loss does not move the latencies a run sees.
 *
 * Delivery always goes through the clock, never through xstate's direct `sendTo`, which delivers
 * synchronously and depth first (docs/architecture.md, "One machine, two interpreters"). Links are
 * FIFO by default, like the TCP connections between Aurora's tiers; `reorderRatio` lets a message
 * overtake.
 */
import type { VirtualClock } from './clock.js';
import type { Ratio, Rng } from './rng.js';
import type { DropReason, Trace } from './trace.js';

/** Where an endpoint lives. */
export interface Locality {
  regionId: string;
  azId: string;
}

/** A latency distribution in milliseconds. */
export type LatencyDistribution =
  | { kind: 'constant'; ms: number }
  | { kind: 'uniform'; minMs: number; maxMs: number }
  /** Log-normal with the given median; `sigma` is the shape (0.25 gives a mild tail). */
  | { kind: 'logNormal'; medianMs: number; sigma: number }
  /** `minMs` plus an exponential extra with mean `meanExtraMs`. */
  | { kind: 'shiftedExponential'; minMs: number; meanExtraMs: number };

/** Latency by locality. */
export interface LatencyOptions {
  /** @defaultValue log-normal, median 0.25 ms, sigma 0.25 (docs/protocol.md §14, numbers and defaults) */
  sameAz: LatencyDistribution;
  /** @defaultValue log-normal, median 1 ms, sigma 0.25 (docs/protocol.md §14, numbers and defaults) */
  crossAz: LatencyDistribution;
  /** @defaultValue log-normal, median 100 ms, sigma 0.1 (docs/protocol.md §14, numbers and defaults: tens to hundreds of ms by pair) */
  crossRegion: LatencyDistribution;
}

/**
 * The link between two regions, the same both ways: its latency replaces `latency.crossRegion`
 * and its loss is drawn on top of the global `lossRatio` (docs/protocol.md §11.1, Global Database).
 */
export interface RegionPairLink {
  /** The two regions, in either order. */
  regions: readonly [string, string];
  /** @defaultValue `latency.crossRegion` */
  latency?: LatencyDistribution;
  /** Probability that a message on this pair is lost, in addition to the global `lossRatio`. @defaultValue 0 */
  lossRatio?: Ratio;
}

/** Options of {@link Network}. */
export interface NetworkOptions {
  /** Latency by locality; fields left out keep their defaults. */
  latency?: Partial<LatencyOptions>;
  /** Probability that a message is lost. @defaultValue 0 */
  lossRatio?: Ratio;
  /** Probability that a message is delivered twice (independent latencies). @defaultValue 0 */
  duplicateRatio?: Ratio;
  /** Probability that a message ignores link FIFO order and may overtake. @defaultValue 0 */
  reorderRatio?: Ratio;
  /** Per region pair latency and loss; pairs not listed use `latency.crossRegion` and only the global loss. */
  regionPairs?: readonly RegionPairLink[];
}

/** The network defaults (docs/protocol.md §14, numbers and defaults). */
export const DEFAULT_LATENCY: LatencyOptions = {
  sameAz: { kind: 'logNormal', medianMs: 0.25, sigma: 0.25 },
  crossAz: { kind: 'logNormal', medianMs: 1, sigma: 0.25 },
  crossRegion: { kind: 'logNormal', medianMs: 100, sigma: 0.1 },
};

/** A message in flight. */
export interface Envelope<M = unknown> {
  /** Unique per network, in send order; a duplicate keeps its original's id. */
  id: number;
  from: string;
  to: string;
  message: M;
  sentAtMs: number;
}

/** Receives the envelopes addressed to one endpoint. */
export type DeliverFn = (envelope: Envelope) => void;

/** Which links a rule covers; a missing side means every endpoint. */
export interface LinkSelector {
  from?: readonly string[];
  to?: readonly string[];
}

/** Handle of a partition or clog, for {@link Network.heal}. */
export type LinkRuleId = number;

interface Endpoint {
  locality: Locality;
  deliver: DeliverFn;
  down: boolean;
}

/** Endpoints a rule side covers: listed ids, or (negate) every id not listed; null = all. */
interface EndpointMatcher {
  ids: Record<string, true>;
  negate: boolean;
}

interface LinkRule {
  id: LinkRuleId;
  from: EndpointMatcher | null;
  to: EndpointMatcher | null;
  /** 'cut' drops; 'clog' multiplies latency by `factor` until `untilMs`. */
  effect: 'cut' | 'clog';
  factor: number;
  untilMs: number;
}

/** A region pair's link with its defaults filled in. */
interface PairLink {
  latency: LatencyDistribution;
  lossRatio: Ratio;
}

/** Counters for reports and benchmarks. */
export interface NetworkStats {
  sent: number;
  delivered: number;
  dropped: number;
  duplicated: number;
}

/** The simulated network; see the file header. */
export class Network {
  readonly stats: NetworkStats = { sent: 0, delivered: 0, dropped: 0, duplicated: 0 };
  private readonly endpoints: Record<string, Endpoint> = {};
  private readonly lastDeliveryAtMs: Record<string, number> = {};
  private rules: LinkRule[] = [];
  private readonly attachListeners: ((id: string) => void)[] = [];
  private readonly linkListeners: (() => void)[] = [];
  private readonly sendListeners: ((envelope: Envelope) => void)[] = [];
  private nextEnvelopeId = 0;
  private nextRuleId = 0;
  private readonly latency: LatencyOptions;
  private readonly lossRatio: Ratio;
  private readonly duplicateRatio: Ratio;
  private readonly reorderRatio: Ratio;
  private readonly latencyRng: Rng;
  private readonly lossRng: Rng;
  private readonly duplicateRng: Rng;
  private readonly reorderRng: Rng;
  private readonly pairLossRng: Rng;
  /** Keyed by {@link pairKey}; consulted only for messages between two regions. */
  private readonly pairLinks: ReadonlyMap<string, PairLink>;

  constructor(
    private readonly clock: VirtualClock,
    rng: Rng,
    private readonly trace: Trace | undefined,
    options: NetworkOptions = {},
  ) {
    this.latency = { ...DEFAULT_LATENCY, ...options.latency };
    this.lossRatio = checkRatio('lossRatio', options.lossRatio ?? 0);
    this.duplicateRatio = checkRatio('duplicateRatio', options.duplicateRatio ?? 0);
    this.reorderRatio = checkRatio('reorderRatio', options.reorderRatio ?? 0);
    for (const [name, distribution] of Object.entries(this.latency)) checkDistribution(`latency.${name}`, distribution);
    this.pairLinks = resolvePairLinks(options.regionPairs ?? [], this.latency.crossRegion);
    this.latencyRng = rng.fork('latency');
    this.lossRng = rng.fork('loss');
    this.duplicateRng = rng.fork('duplicate');
    this.reorderRng = rng.fork('reorder');
    // A fork of its own (forks depend on their label only, src/kernel/rng.ts), so a run without
    // pair loss draws exactly the numbers it drew before pairs existed.
    this.pairLossRng = rng.fork('pair-loss');
  }

  /** Registers an endpoint; ids are systemIds and must be unique. */
  attach(id: string, locality: Locality, deliver: DeliverFn): void {
    if (this.endpoints[id] !== undefined) throw new Error(`network: endpoint ${id} is already attached`);
    this.endpoints[id] = { locality, deliver, down: false };
    for (const listener of this.attachListeners) listener(id);
  }

  /**
   * Calls `listener` after every later {@link attach}: rules written as id lists (a partition of
   * an AZ, expanded to the endpoints placed there) must learn of an endpoint that joins while they
   * hold, such as a replacement segment.
   */
  onAttach(listener: (id: string) => void): void {
    this.attachListeners.push(listener);
  }

  /**
   * Calls `listener` after every change to which links can pass: an endpoint going down or up,
   * a partition cut or healed. For observers (the report's availability figures): a listener
   * must only read, never send or schedule, so a run is the same with or without it.
   */
  onLinksChange(listener: () => void): void {
    this.linkListeners.push(listener);
  }

  /** Whether a partition cuts the link from `from` to `to` now (down endpoints aside). */
  isCut(from: string, to: string): boolean {
    return this.rules.some((rule) => rule.effect === 'cut' && matches(rule, from, to));
  }

  /** Whether `id` is attached. */
  has(id: string): boolean {
    return this.endpoints[id] !== undefined;
  }

  /** Every attached endpoint, in attach order. */
  endpointIds(): string[] {
    return Object.keys(this.endpoints);
  }

  /** Locality of an attached endpoint. */
  localityOf(id: string): Locality | undefined {
    return this.endpoints[id]?.locality;
  }

  /** Marks an endpoint down (messages to or from it are dropped) or up again. */
  setDown(id: string, down: boolean): void {
    const endpoint = this.endpoints[id];
    if (endpoint === undefined) throw new Error(`network: unknown endpoint ${id}`);
    if (endpoint.down === down) return;
    endpoint.down = down;
    this.linksChanged();
  }

  /** Whether an endpoint is down. */
  isDown(id: string): boolean {
    return this.endpoints[id]?.down ?? false;
  }

  /**
   * Whether a message sent now from `from` to `to` would pass: both attached, neither down, no
   * partition cutting the link. A query only (for reports that sample a run): it draws no loss
   * and records nothing, so asking it never changes a run.
   */
  linkOpen(from: string, to: string): boolean {
    return this.blocked(from, to) === undefined;
  }

  /**
   * Cuts the links from `sideA` to `sideB` and, unless `oneWay`, back. Leaving `sideB` out means
   * every other endpoint. Messages already in flight across the cut are lost on arrival.
   */
  partition(sideA: readonly string[], sideB?: readonly string[], options: { oneWay?: boolean } = {}): LinkRuleId {
    const id = this.nextRuleId++;
    const a = toMatcher(sideA, false);
    // Without sideB, the other side is every endpoint not in sideA (so sideA still talks inside).
    const b = sideB === undefined ? toMatcher(sideA, true) : toMatcher(sideB, false);
    this.rules.push({ id, effect: 'cut', from: a, to: b, factor: 1, untilMs: Infinity });
    if (options.oneWay !== true) this.rules.push({ id, effect: 'cut', from: b, to: a, factor: 1, untilMs: Infinity });
    this.linksChanged();
    return id;
  }

  /** Slows the selected links by `factor` (latency multiplied) until virtual time `untilMs`. */
  clog(links: LinkSelector, options: { factor: number; untilMs: number }): LinkRuleId {
    if (!(options.factor >= 1)) throw new RangeError(`network.clog: factor must be >= 1, got ${options.factor}`);
    const id = this.nextRuleId++;
    const from = links.from === undefined ? null : toMatcher(links.from, false);
    const to = links.to === undefined ? null : toMatcher(links.to, false);
    this.rules.push({ id, effect: 'clog', from, to, factor: options.factor, untilMs: options.untilMs });
    return id;
  }

  /** Removes a partition or clog. */
  heal(id: LinkRuleId): void {
    this.rules = this.rules.filter((rule) => rule.id !== id);
    this.linksChanged();
  }

  /** Removes every partition and clog. */
  healAll(): void {
    this.rules = [];
    this.linksChanged();
  }

  private linksChanged(): void {
    for (const listener of this.linkListeners) listener();
  }

  /**
   * Calls `listener` with every envelope as it is sent, before loss or a partition can drop it
   * (bytes leave the sender either way). For observers (the CloudWatch-style metrics): a listener
   * must not send, schedule or draw, so runs hash the same with it.
   */
  onSend(listener: (envelope: Envelope) => void): void {
    this.sendListeners.push(listener);
  }

  /** Sends `message`; delivery, if any, happens later on the clock. Returns the envelope id. */
  send(from: string, to: string, message: unknown): number {
    const id = this.nextEnvelopeId++;
    const nowMs = this.clock.now();
    this.stats.sent++;
    this.trace?.record({ kind: 'send', atMs: nowMs, id, from, to, message });
    const envelope: Envelope = { id, from, to, message, sentAtMs: nowMs };
    for (const listener of this.sendListeners) listener(envelope);
    const reason = this.blocked(from, to) ?? this.lost(from, to);
    if (reason !== undefined) {
      this.drop(envelope, reason);
      return id;
    }
    this.scheduleDelivery(envelope, true);
    if (this.duplicateRng.chance(this.duplicateRatio)) {
      this.stats.duplicated++;
      this.scheduleDelivery(envelope, false);
    }
    return id;
  }

  private scheduleDelivery(envelope: Envelope, fifo: boolean): void {
    const source = this.endpoints[envelope.from] as Endpoint;
    const target = this.endpoints[envelope.to] as Endpoint;
    const latencyMs = this.sampleLatency(source.locality, target.locality) * this.clogFactor(envelope);
    let deliverAtMs = envelope.sentAtMs + latencyMs;
    if (fifo && !this.reorderRng.chance(this.reorderRatio)) {
      // Links are FIFO: never deliver before an earlier message on the same link.
      const link = envelope.from + '\u0000' + envelope.to;
      const previous = this.lastDeliveryAtMs[link];
      if (previous !== undefined && previous > deliverAtMs) deliverAtMs = previous;
      this.lastDeliveryAtMs[link] = deliverAtMs;
    }
    this.clock.scheduleAt(deliverAtMs, () => this.deliver(envelope));
  }

  private deliver(envelope: Envelope): void {
    const reason = this.blocked(envelope.from, envelope.to);
    if (reason !== undefined) {
      this.drop(envelope, reason);
      return;
    }
    const target = this.endpoints[envelope.to] as Endpoint;
    this.stats.delivered++;
    this.trace?.record({
      kind: 'deliver',
      atMs: this.clock.now(),
      id: envelope.id,
      from: envelope.from,
      to: envelope.to,
      type: messageType(envelope.message),
    });
    target.deliver(envelope);
  }

  private drop(envelope: Envelope, reason: DropReason): void {
    this.stats.dropped++;
    this.trace?.record({
      kind: 'drop',
      atMs: this.clock.now(),
      id: envelope.id,
      from: envelope.from,
      to: envelope.to,
      type: messageType(envelope.message),
      reason,
    });
  }

  /**
   * 'loss' when the global loss or the region pair's loss strikes a message that can pass. The
   * pair draw is made even when the global loss already struck, so which messages the pair loses
   * does not depend on the global `lossRatio`; it is made only for a pair with loss, so other
   * messages draw nothing new.
   */
  private lost(from: string, to: string): DropReason | undefined {
    const lostGlobally = this.lossRng.chance(this.lossRatio);
    const pair = this.pairLink((this.endpoints[from] as Endpoint).locality, (this.endpoints[to] as Endpoint).locality);
    const lostOnPair = pair !== undefined && this.pairLossRng.chance(pair.lossRatio);
    return lostGlobally || lostOnPair ? 'loss' : undefined;
  }

  /** The region pair's link, for endpoints in two different regions that are listed as a pair. */
  private pairLink(source: Locality, target: Locality): PairLink | undefined {
    if (source.regionId === target.regionId || this.pairLinks.size === 0) return undefined;
    return this.pairLinks.get(pairKey(source.regionId, target.regionId));
  }

  /** Why a message on this link cannot pass now, or undefined when it can. */
  private blocked(from: string, to: string): DropReason | undefined {
    const source = this.endpoints[from];
    const target = this.endpoints[to];
    if (source === undefined || target === undefined) return 'unknown-endpoint';
    if (source.down || target.down) return 'down';
    for (const rule of this.rules) {
      if (rule.effect === 'cut' && matches(rule, from, to)) return 'partition';
    }
    return undefined;
  }

  private clogFactor(envelope: Envelope): number {
    let factor = 1;
    for (const rule of this.rules) {
      if (rule.effect === 'clog' && envelope.sentAtMs < rule.untilMs && matches(rule, envelope.from, envelope.to)) {
        factor *= rule.factor;
      }
    }
    return factor;
  }

  private sampleLatency(source: Locality, target: Locality): number {
    const distribution =
      source.regionId !== target.regionId
        ? (this.pairLink(source, target)?.latency ?? this.latency.crossRegion)
        : source.azId !== target.azId
          ? this.latency.crossAz
          : this.latency.sameAz;
    return sample(this.latencyRng, distribution);
  }
}

/** Draws one latency from a distribution (never negative). */
export function sample(rng: Rng, distribution: LatencyDistribution): number {
  switch (distribution.kind) {
    case 'constant':
      return distribution.ms;
    case 'uniform':
      return distribution.minMs + rng.next() * (distribution.maxMs - distribution.minMs);
    case 'logNormal':
      return rng.logNormal(distribution.medianMs, distribution.sigma);
    case 'shiftedExponential':
      return distribution.minMs + rng.exponential(distribution.meanExtraMs);
  }
}

/** The `type` field of a message, for traces. */
export function messageType(message: unknown): string {
  if (typeof message === 'object' && message !== null && 'type' in message) {
    const type = (message as { type: unknown }).type;
    if (typeof type === 'string') return type;
  }
  return typeof message;
}

function toMatcher(ids: readonly string[], negate: boolean): EndpointMatcher {
  const lookup: Record<string, true> = {};
  for (const id of ids) lookup[id] = true;
  return { ids: lookup, negate };
}

function covers(matcher: EndpointMatcher | null, id: string): boolean {
  return matcher === null || (matcher.ids[id] === true) !== matcher.negate;
}

function matches(rule: LinkRule, from: string, to: string): boolean {
  return covers(rule.from, from) && covers(rule.to, to);
}

/** One key for a pair of regions in either order. */
function pairKey(a: string, b: string): string {
  return a < b ? `${a}\u0000${b}` : `${b}\u0000${a}`;
}

/** Validates `network.regionPairs` and indexes it by {@link pairKey}. */
function resolvePairLinks(pairs: readonly RegionPairLink[], crossRegion: LatencyDistribution): Map<string, PairLink> {
  const links = new Map<string, PairLink>();
  const firstIndex = new Map<string, number>();
  for (const [i, pair] of pairs.entries()) {
    const field = `regionPairs[${i}]`;
    const regions: unknown = pair.regions;
    const named =
      Array.isArray(regions) &&
      regions.length === 2 &&
      regions.every((region) => typeof region === 'string' && region !== '') &&
      regions[0] !== regions[1];
    if (!named) {
      throw new RangeError(`network.${field}.regions must be two different region names, got ${JSON.stringify(regions)}`);
    }
    const key = pairKey(pair.regions[0], pair.regions[1]);
    const earlier = firstIndex.get(key);
    if (earlier !== undefined) {
      throw new RangeError(
        `network.${field}.regions repeats network.regionPairs[${earlier}].regions (a pair is the same link both ways), got ${JSON.stringify(regions)}`,
      );
    }
    firstIndex.set(key, i);
    if (pair.latency !== undefined) checkDistribution(`${field}.latency`, pair.latency);
    const lossRatio = checkRatio(`${field}.lossRatio`, pair.lossRatio ?? 0);
    links.set(key, { latency: pair.latency ?? crossRegion, lossRatio });
  }
  return links;
}

function checkRatio(field: string, value: number): number {
  if (!(value >= 0 && value <= 1)) throw new RangeError(`network.${field} must be a ratio in [0, 1], got ${value}`);
  return value;
}

function checkDistribution(field: string, distribution: LatencyDistribution): void {
  const numbers = Object.entries(distribution).filter(([key]) => key !== 'kind');
  for (const [key, value] of numbers) {
    if (typeof value !== 'number' || !(value >= 0) || !Number.isFinite(value)) {
      throw new RangeError(`network.${field}.${key} must be a finite number >= 0, got ${String(value)}`);
    }
  }
  if (distribution.kind === 'uniform' && distribution.maxMs < distribution.minMs) {
    throw new RangeError(`network.${field}: maxMs must be >= minMs`);
  }
}
