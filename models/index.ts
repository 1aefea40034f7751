/**
 * The statecharts of aurora-actors (`aurora-actors/models`): embed them in your own xstate system
 * with your own clock and transport, provide the named effect actions (`send`, `signal`,
 * `observe`, `publish`, and `effects`, which lists several of them for one step; one left out
 * throws {@link EffectNotProvidedError} when the machine first uses it), or step them with
 * `machine.transition()` (docs/embedding.md).
 */
export { EffectNotProvidedError } from './effects.js';
export type { EffectsParams, ModelEffect } from './effects.js';
export { segmentMachine, SEGMENT_DISK_TIMER, SEGMENT_GOSSIP_TIMER } from './segment.machine.js';
export type { SegmentContext, SegmentEvent, SegmentInput } from './segment.machine.js';
export { writerMachine, linkTimerId, resolveInstanceOptions, WRITER_RETRANSMIT_TIMER } from './instance.machine.js';
export type { InstanceGrowth, InstanceOptions, InstancePg, InstanceServerless, WriterContext, WriterEvent, WriterInput, WriterPgInput } from './instance.machine.js';
export { azMachine, regionMachine, storageNodeMachine, createFailureDomainMachine } from './failure-domain.js';
export type { DomainKind, FailureDomainContext, FailureDomainEvent, FailureDomainInput } from './failure-domain.js';
export { metadataMachine } from './metadata.machine.js';
export type { MetadataContext, MetadataEvent, MetadataInput } from './metadata.machine.js';
export { controlPlaneMachine } from './control-plane.machine.js';
export type { ControlPlaneContext, ControlPlaneEvent, ControlPlaneInput, ManagedInstance } from './control-plane.machine.js';
export { storageControlPlaneMachine } from './storage-control-plane.machine.js';
export type { ProvisionRequest, SegmentPlace, StorageControlPlaneContext, StorageControlPlaneEvent, StorageControlPlaneInput } from './storage-control-plane.machine.js';
export type { GrowthInput, GrowthState } from './volume-growth.js';
export { monitorMachine, responderMachine, MONITOR_TICK_TIMER } from './heartbeat.machine.js';
export type { HeartbeatMessage, MonitorContext, MonitorEvent, MonitorInput, ResponderEvent, ResponderInput } from './heartbeat.machine.js';
export { globalRegionMachine, globalRegionActorId, GLOBAL_FENCE_TIMER, GLOBAL_LAG_TIMER } from './global-region.machine.js';
export { globalApplierMachine, GLOBAL_APPLY_RETRANSMIT_TIMER } from './global-applier.machine.js';
export type { GlobalApplierContext, GlobalApplierEvent, GlobalApplierInput, GlobalApplierObservation, GlobalApplierPg } from './global-applier.machine.js';
export { objectStoreMachine, objectStoreInputProblem, objectStoreReplyTimerId, OBJECT_STORE_CLOCK_TIMER, DAY_MS } from './object-store.machine.js';
export type { ObjectStoreContext, ObjectStoreEvent, ObjectStoreInput, ObjectStoreObservation, ObjectStoreSignal, ObjectStoreStats } from './object-store.machine.js';
export { restoreJobMachine, restoreJobInputProblem, RESTORE_RETRY_TIMER, RESTORE_DEADLINE_TIMER } from './restore-job.machine.js';
export type { RestoreJobContext, RestoreJobEvent, RestoreJobInput, RestorePg } from './restore-job.machine.js';
export { writeForwarderMachine, writeForwarderId, forwardedReadTimerId, READ_CONSISTENCIES } from './write-forwarder.machine.js';
export { serverlessScalerMachine, scalerIdOf, SCALER_RESUME_TIMER, SCALER_TICK_TIMER } from './serverless-scaler.machine.js';
export type { MemberReport, ScalerContext, ScalerEvent, ScalerInput, ScalerOptions, ScalerPhase, ScalerRole } from './serverless-scaler.machine.js';
export type { CapacitySetSignal, GroupStateMessage, LoadQuerySignal, LoadReportSignal, ScalerReportMessage, ServedCounts, WakeSignal } from './serverless-messages.js';
export type { ForwardedRead, ReadConsistency, WriteForwarderContext, WriteForwarderEvent, WriteForwarderInput, WriteForwarderObservation } from './write-forwarder.machine.js';
export { frontDoorMachine, frontDoorId, frontDoorInputProblem, FRONT_DOOR_CLOCK_TIMER } from './front-door.machine.js';
export type { FrontDoorConnection, FrontDoorContext, FrontDoorEvent, FrontDoorInput } from './front-door.machine.js';
export type { GlobalFence, GlobalRegionContext, GlobalRegionEvent, GlobalRegionInput, GlobalRegionObservation, HeldCommit, Promotion } from './global-region.machine.js';
// The branded ids machine inputs and messages carry (docs/glossary.md).
export { azId, blockId, instanceId, lsn, membershipEpoch, pgId, regionId, segmentId, volumeEpoch, LSN_ZERO } from '../src/protocol/ids.js';
export type { AzId, BlockId, InstanceId, Lsn, MembershipEpoch, PgId, RegionId, SegmentId, VolumeEpoch } from '../src/protocol/ids.js';
export type {
  CommitGateAnswerMessage,
  CommitGateMessage,
  CommitPayload,
  ConnectAcceptedMessage,
  ConnectRefusedMessage,
  ConnectRequestMessage,
  GlobalFencedMessage,
  GlobalRebuiltMessage,
  GlobalRecoverMessage,
  GlobalRecoveredMessage,
  GlobalShipMessage,
  GlobalApplyMessage,
  GlobalApplyAckMessage,
  VolumeVclMessage,
  GeometryChangedMessage,
  GossipPullMessage,
  GossipPushMessage,
  GrowVolumeMessage,
  RecordGeometryMessage,
  GossipRejectMessage,
  OutageSignal,
  ProcessSignal,
  PutPayload,
  RedoPayload,
  RedoRecord,
  RegionDurableMessage,
  RejectReason,
  SendParams,
  SignalParams,
  SlowDiskSignal,
  SwitchoverRefusedMessage,
  StageQueryMessage,
  StagePutMessage,
  StagedPointMessage,
  SlowDownMessage,
  RestoreFetchMessage,
  RestoreDataMessage,
  RestoreFromMessage,
  SegmentRestoredMessage,
  SegmentRestoreFailedMessage,
  TxnFailMessage,
  TxnOkMessage,
  TxnOp,
  TxnRequestMessage,
  VdlAnswerMessage,
  VdlQueryMessage,
  WireMessage,
  WriteAckMessage,
  WriteBatchMessage,
  WriteRejectMessage,
} from './messages.js';
