/**
 * The statecharts of aurora-actors (`aurora-actors/models`): embed them in your own xstate system
 * with your own clock and transport, provide the named effect actions (`send`, `signal`,
 * `observe`, `publish`, and `effects`, which lists several of them for one step), or step them
 * with `machine.transition()`.
 */
export type { EffectsParams, ModelEffect } from './effects.js';
export { segmentMachine, SEGMENT_DISK_TIMER, SEGMENT_GOSSIP_TIMER } from './segment.machine.js';
export type { SegmentContext, SegmentEvent, SegmentInput } from './segment.machine.js';
export { writerMachine, linkTimerId, resolveInstanceOptions, WRITER_RETRANSMIT_TIMER } from './instance.machine.js';
export type { InstanceOptions, InstancePg, WriterContext, WriterEvent, WriterInput, WriterPgInput } from './instance.machine.js';
export { azMachine, regionMachine, storageNodeMachine, createFailureDomainMachine } from './failure-domain.js';
export type { DomainKind, FailureDomainContext, FailureDomainEvent, FailureDomainInput } from './failure-domain.js';
export { monitorMachine, responderMachine, MONITOR_TICK_TIMER } from './heartbeat.machine.js';
export type {
  CommitPayload,
  GossipPullMessage,
  GossipPushMessage,
  GossipRejectMessage,
  OutageSignal,
  ProcessSignal,
  PutPayload,
  RedoPayload,
  RedoRecord,
  RejectReason,
  SendParams,
  SignalParams,
  SlowDiskSignal,
  TxnFailMessage,
  TxnOkMessage,
  TxnOp,
  TxnRequestMessage,
  WireMessage,
  WriteAckMessage,
  WriteBatchMessage,
  WriteRejectMessage,
} from './messages.js';
