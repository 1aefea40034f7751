/**
 * Two-phase commit (Gray and Lamport, "Consensus on Transaction Commit", 2006, §3; the TLA+
 * `TwoPhase` spec), as xstate machines for the explorer's reference model: one transaction
 * manager (TM) and N resource managers (RMs).
 *
 * It follows Stateright's `examples/2pc.rs` so that the explorer's counts can be held to its
 * counts (docs/explorer.md): the messages are a growing set (the explorer's
 * `unordered-duplicating` network: a message once sent stays deliverable), and an actor's own
 * spontaneous steps (an RM preparing or choosing to abort, the TM committing or aborting) are
 * timers, which the explorer fires as untimed choices. A timer is pending exactly while its step
 * is enabled in 2pc.rs, so the state spaces correspond one to one.
 */
import { assign, cancel, raise, setup } from 'xstate';

/** RM -> TM: the RM is prepared. */
export interface PreparedMessage {
  type: 'prepared';
  rm: string;
}

/** TM -> RM: the decision. */
export interface DecisionMessage {
  type: 'commit' | 'abort';
}

/** Every message of two-phase commit. */
export type TwoPhaseMessage = PreparedMessage | DecisionMessage;

/** Params of the named `send` action; the interpreter supplies the transport. */
export interface TwoPhaseSendParams {
  to: string;
  message: TwoPhaseMessage;
}

/** Input of {@link resourceManagerMachine}. */
export interface ResourceManagerInput {
  /** The RM's own systemId (its `prepared` message names it). */
  self: string;
  /** The TM's systemId. */
  tm: string;
}

/** An RM: working, then prepared or aborted, then committed or aborted. */
export const resourceManagerMachine = setup({
  types: {
    context: {} as ResourceManagerInput,
    input: {} as ResourceManagerInput,
    events: {} as DecisionMessage | { type: 'rm.prepare' } | { type: 'rm.chooseToAbort' },
  },
  actions: {
    // Performed by the interpreter (docs/architecture.md, "One machine, two interpreters"): live,
    // cluster wiring; explored, read as data.
    send: (_, _params: TwoPhaseSendParams) => {},
  },
}).createMachine({
  id: 'resourceManager',
  context: ({ input }) => ({ self: input.self, tm: input.tm }),
  initial: 'working',
  // 2pc.rs: an RM takes a decision message in any state.
  on: {
    commit: '.committed',
    abort: '.aborted',
  },
  states: {
    working: {
      // Both spontaneous steps are enabled while working (2pc.rs `RmPrepare`, `RmChooseToAbort`).
      entry: [raise({ type: 'rm.prepare' }, { delay: 1, id: 'rm.prepare' }), raise({ type: 'rm.chooseToAbort' }, { delay: 1, id: 'rm.chooseToAbort' })],
      exit: [cancel('rm.prepare'), cancel('rm.chooseToAbort')],
      on: {
        'rm.prepare': {
          target: 'prepared',
          actions: { type: 'send', params: ({ context }) => ({ to: context.tm, message: { type: 'prepared', rm: context.self } }) },
        },
        'rm.chooseToAbort': 'aborted',
      },
    },
    prepared: {},
    committed: {},
    aborted: {},
  },
});

/** Input of {@link transactionManagerMachine}. */
export interface TransactionManagerInput {
  /** systemIds of the RMs. */
  rms: readonly string[];
}

/** Context of {@link transactionManagerMachine}. */
export interface TransactionManagerContext {
  /**
   * Which RMs the TM has heard `prepared` from (2pc.rs `tm_prepared`); its keys are the RMs.
   * There is no separate list of RMs: a list has an order, and renaming the RMs under symmetry
   * reduction would permute it, making equivalent states look different.
   */
  prepared: Readonly<Record<string, boolean>>;
}

/** True iff every RM but `rm` is prepared already: hearing from `rm` completes the set. */
function completes(context: TransactionManagerContext, rm: string): boolean {
  return Object.entries(context.prepared).every(([other, prepared]) => other === rm || prepared);
}

const transactionManagerBase = setup({
  types: {
    context: {} as TransactionManagerContext,
    input: {} as TransactionManagerInput,
    events: {} as PreparedMessage | { type: 'tm.commit' } | { type: 'tm.abort' },
  },
  actions: {
    send: (_, _params: TwoPhaseSendParams) => {},
    notePrepared: assign({ prepared: ({ context }, params: { rm: string }) => ({ ...context.prepared, [params.rm]: true }) }),
  },
  guards: {
    isNew: ({ context }, params: { rm: string }) => context.prepared[params.rm] !== true,
    completes: ({ context }, params: { rm: string }) => context.prepared[params.rm] !== true && completes(context, params.rm),
  },
});

/** One `send` of the decision to every RM. */
function broadcast(decision: DecisionMessage['type']) {
  return transactionManagerBase.enqueueActions(({ context, enqueue }) => {
    for (const rm of Object.keys(context.prepared)) enqueue({ type: 'send', params: { to: rm, message: { type: decision } } });
  });
}

/** The TM: collects `prepared`, then commits (once all are prepared) or aborts (any time). */
export const transactionManagerMachine = transactionManagerBase.createMachine({
  id: 'transactionManager',
  context: ({ input }) => ({ prepared: Object.fromEntries(input.rms.map((rm) => [rm, false])) }),
  initial: 'init',
  states: {
    init: {
      // 2pc.rs `TmAbort` is enabled while the TM is in Init.
      entry: raise({ type: 'tm.abort' }, { delay: 1, id: 'tm.abort' }),
      exit: [cancel('tm.abort'), cancel('tm.commit')],
      on: {
        prepared: [
          {
            // The last `prepared` enables `TmCommit`.
            guard: { type: 'completes', params: ({ event }) => ({ rm: event.rm }) },
            actions: [{ type: 'notePrepared', params: ({ event }) => ({ rm: event.rm }) }, raise({ type: 'tm.commit' }, { delay: 1, id: 'tm.commit' })],
          },
          {
            guard: { type: 'isNew', params: ({ event }) => ({ rm: event.rm }) },
            actions: { type: 'notePrepared', params: ({ event }) => ({ rm: event.rm }) },
          },
        ],
        'tm.commit': 'committed',
        'tm.abort': 'aborted',
      },
    },
    // 2pc.rs sends one `Commit` (or `Abort`) into the set; we send one to each RM, a one-to-one
    // image of it.
    committed: { entry: broadcast('commit') },
    aborted: { entry: broadcast('abort') },
  },
});
