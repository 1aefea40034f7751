/**
 * A scenario's `security` section assembled (docs/protocol.md §15): the cluster's policy, its
 * front door's actor spec, and how each client connects — its address, TLS, and where its token
 * comes from (the kernel-side IAM service, `iam.ts`).
 *
 * The cluster is named after its scenario: a token names the cluster it was made for, as an IAM
 * authentication token names the endpoint.
 */
import { frontDoorId, frontDoorMachine } from '../../models/front-door.machine.js';
import type { FrontDoorInput } from '../../models/front-door.machine.js';
import { cidrOf } from '../protocol/security.js';
import type { AuthToken, SecurityPolicy } from '../protocol/security.js';
import type { ActorSpec } from './host.js';
import type { IamService } from './iam.js';
import type { ClientTokenKind, ResolvedTopology, Scenario, SecuritySpec } from './scenario.js';

/** The database user every client connects as. */
export const CLIENT_DB_USER = 'app';

/** The user a `wrongUser` token names. */
const OTHER_USER = 'admin';

/** How one client connects (docs/protocol.md §15), with the group it belongs to (0 for default clients). */
export interface ClientAttributes {
  /** 1-based group index, or 0 for a client after the last group (a default client). */
  group: number;
  address: string;
  tls: boolean;
  token: ClientTokenKind;
  refreshTokens: boolean;
}

/** The first host address of the security group's first range (or of the VPC when it has none). */
export function firstHostOf(security: Pick<SecuritySpec, 'vpcCidr' | 'allowedCidrs'>): string {
  const block = cidrOf(security.allowedCidrs[0] ?? security.vpcCidr);
  if (block === undefined) return '0.0.0.0';
  const size = 2 ** (32 - block.prefixLength);
  const host = Math.floor(block.base / size) * size + (size > 2 ? 1 : 0);
  return [24, 16, 8, 0].map((shift) => Math.floor(host / 2 ** shift) % 256).join('.');
}

/** The cluster's policy, when the scenario has a security section. */
export function securityPolicyOf(scenario: Scenario): SecurityPolicy | undefined {
  const security = scenario.security;
  if (security === undefined) return undefined;
  return { cluster: scenario.name, vpcCidr: security.vpcCidr, allowedCidrs: [...security.allowedCidrs], requireTls: security.requireTls, iamAuth: security.iamAuth };
}

/** The front door's clock period (`models/front-door.machine.ts`): token expiry is judged to within it. */
export const FRONT_DOOR_CLOCK_TICK_MS = 100;

/** The front door's actor, placed with the writer (empty without a security section). */
export function frontDoorSpecs(scenario: Scenario, topology: ResolvedTopology): ActorSpec[] {
  const policy = securityPolicyOf(scenario);
  if (policy === undefined) return [];
  const self = frontDoorId(topology.regionId);
  const input: FrontDoorInput = { self, policy, clockTickMs: FRONT_DOOR_CLOCK_TICK_MS };
  return [{ id: self, machine: frontDoorMachine, input, locality: { regionId: topology.regionId, azId: topology.writer.azId } }];
}

/** How the client at `index` (0-based, in topology order) connects: its group's attributes, or a default client's. */
export function clientAttributesOf(scenario: Scenario, index: number): ClientAttributes {
  let first = 0;
  for (const [i, group] of (scenario.workload.clientGroups ?? []).entries()) {
    if (index < first + group.clients) return { group: i + 1, address: group.address, tls: group.tls, token: group.token, refreshTokens: group.refreshTokens };
    first += group.clients;
  }
  const address = scenario.security === undefined ? '0.0.0.0' : firstHostOf(scenario.security);
  return { group: 0, address, tls: true, token: 'valid', refreshTokens: true };
}

/**
 * Where a client's token comes from, asked at each connect. A refreshing client gets a new one
 * from the IAM service every time; the others hold the one they got when the run started: for
 * this cluster and user, or expired as the run starts (made one lifetime earlier), or for another
 * cluster or user, or none.
 */
export function tokenSourceOf(attributes: ClientAttributes, cluster: string, iam: IamService, tokenTtlMs: number): () => AuthToken | undefined {
  if (attributes.token === 'valid' && attributes.refreshTokens) return () => iam.issue(cluster, CLIENT_DB_USER);
  let held: AuthToken | undefined;
  switch (attributes.token) {
    case 'valid':
      held = iam.issue(cluster, CLIENT_DB_USER);
      break;
    case 'expired':
      held = iam.issue(cluster, CLIENT_DB_USER, tokenTtlMs);
      break;
    case 'wrongCluster':
      held = iam.issue(`${cluster}-other`, CLIENT_DB_USER);
      break;
    case 'wrongUser':
      held = iam.issue(cluster, OTHER_USER);
      break;
    case 'none':
      held = undefined;
      break;
  }
  return () => held;
}
