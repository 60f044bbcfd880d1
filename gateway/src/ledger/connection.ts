// The gateway's one connection to the ledger, in the shape of the Fabric Gateway samples:
//  - ONE gRPC connection (TLS) per gateway process to its own hospital's peer, shared by all users;
//  - a Gateway per user request, made with THAT user's certificate and signer, closed afterwards,
//    so every proposal and transaction is signed by the person who caused it;
//  - results decoded from JSON into the caller's type; errors mapped to the catalogue.
// devnet and a real Fabric peer speak the same Gateway protocol: nothing here differs between them.
import { readFileSync } from 'node:fs';
import type { KeyObject } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { CommitError, connect, type Gateway, type Identity } from '@hyperledger/fabric-gateway';
import { gateway as gatewayProto, msp } from '@hyperledger/fabric-protos';
import { CodedError } from '@ehr/common';
import type { LedgerConfig } from '../config/config';
import { mapLedgerError } from './errors';
import { ledgerSigning } from './signer';

export interface SigningIdentity {
  mspId: string;
  /** PEM of the user's enrolment certificate. */
  certificate: string;
  privateKey: KeyObject;
}

export interface Submitted<T> {
  result: T;
  transactionId: string;
  /** Milliseconds spent endorsing, handing the transaction to the orderer, and waiting for its
   *  commit (the upload reports them in Server-Timing). */
  timings: { endorse: number; order: number; commit: number };
}

export interface SubmitOptions<T> {
  transient?: Record<string, Uint8Array>;
  decode?: Decoder<T>;
  /**
   * Endorse at once, but hand the transaction to the orderer only once this settles: the
   * endorsements are gathered while the caller finishes the work the transaction depends on.
   * If it rejects, nothing is submitted (an endorsement alone writes nothing) and its error is
   * thrown as it is.
   */
  ready?: Promise<unknown>;
}

/** Decodes a chaincode result; the default parses JSON (empty → undefined). */
export type Decoder<T> = (bytes: Uint8Array) => T;

export const json = <T>(bytes: Uint8Array): T =>
  (bytes.length === 0 ? undefined : JSON.parse(Buffer.from(bytes).toString('utf8'))) as T;

/** What a user's request can do on the ledger, signed as that user. */
export interface UserLedger {
  evaluate<T>(fn: string, args: string[], decode?: Decoder<T>): Promise<T>;
  submit<T>(fn: string, args: string[], options?: SubmitOptions<T>): Promise<Submitted<T>>;
  /** See LedgerConnection.commitOutcome. */
  commitOutcome(transactionId: string, waitMs: number): Promise<CommitOutcome>;
}

/** A proposal this gateway signed for a user (for tracing, and for tests that check the signer). */
export interface SignedProposalEvent {
  fn: string;
  kind: 'evaluate' | 'submit';
  transactionId: string;
  /** Serialized gateway.ProposedTransaction: carries the SignedProposal (creator + signature). */
  proposedTransaction: Uint8Array;
}

/** The caller's `ready` rejected: its error is passed on untouched, not as a ledger error. */
class NotReady extends Error {
  constructor(override readonly cause: unknown) {
    super('not submitted: the work it depends on failed');
  }
}

/**
 * The transaction went to the orderer, but its commit was not confirmed (the orderer's answer or
 * the commit status was lost or late): it may still commit. Reported as LEDGER_OUTCOME_UNKNOWN
 * with its id, never as "unavailable", so nobody undoes or repeats what may have been applied.
 */
class OutcomeUnknown extends Error {
  constructor(
    readonly transactionId: string,
    override readonly cause: unknown,
  ) {
    super(`transaction ${transactionId}: commit not confirmed`);
  }
}

/** A transaction's fate as the peer knows it (CommitStatus). */
export type CommitOutcome =
  { committed: true; valid: boolean; code: number; blockNumber: bigint } | { committed: false };

export class LedgerConnection {
  private clientInstance: grpc.Client | undefined;

  constructor(
    private readonly cfg: LedgerConfig,
    private readonly onSigned?: (e: SignedProposalEvent) => void,
  ) {}

  /** Made on first use: the gateway may start before the ledger's TLS material exists. */
  private get client(): grpc.Client {
    if (!this.clientInstance) {
      let tlsRoot: Buffer;
      try {
        tlsRoot = readFileSync(this.cfg.tlsCaFile);
      } catch {
        throw new CodedError(
          'LEDGER_UNAVAILABLE',
          'The ledger is not set up yet (no TLS root certificate).',
        );
      }
      this.clientInstance = new grpc.Client(
        this.cfg.endpoint,
        grpc.credentials.createSsl(tlsRoot),
        {
          'grpc.ssl_target_name_override': this.cfg.tlsServerName,
          // Fabric's default message limit is 100 MiB each way.
          'grpc.max_receive_message_length': 100 * 1024 * 1024,
          'grpc.max_send_message_length': 100 * 1024 * 1024,
        },
      );
    }
    return this.clientInstance;
  }

  private gatewayFor(user: SigningIdentity): Gateway {
    const identity: Identity = { mspId: user.mspId, credentials: Buffer.from(user.certificate) };
    const deadline = () => ({ deadline: Date.now() + this.cfg.timeoutMs });
    return connect({
      client: this.client,
      identity,
      ...ledgerSigning(user.privateKey),
      evaluateOptions: deadline,
      endorseOptions: deadline,
      submitOptions: deadline,
      commitStatusOptions: deadline,
    });
  }

  /** Runs `work` with a Gateway that signs as `user`; the Gateway is closed afterwards. */
  async withGateway<R>(user: SigningIdentity, work: (g: Gateway) => Promise<R>): Promise<R> {
    const gateway = this.gatewayFor(user);
    try {
      return await work(gateway);
    } catch (e) {
      if (e instanceof NotReady) throw e.cause;
      if (e instanceof OutcomeUnknown) {
        const mapped = new CodedError('LEDGER_OUTCOME_UNKNOWN', undefined, {
          transactionId: e.transactionId,
        });
        mapped.cause = e.cause;
        throw mapped;
      }
      throw mapLedgerError(e);
    } finally {
      gateway.close();
    }
  }

  as(user: SigningIdentity): UserLedger {
    const { channel, chaincode } = this.cfg;
    return {
      evaluate: <T>(fn: string, args: string[], decode: Decoder<T> = json) =>
        this.withGateway(user, async (g) => {
          const contract = g.getNetwork(channel).getContract(chaincode);
          const proposal = contract.newProposal(fn, { arguments: args });
          try {
            return decode(await proposal.evaluate());
          } finally {
            // Reported whether the ledger accepted it or not: refusals are signed proposals too.
            this.onSigned?.({
              fn,
              kind: 'evaluate',
              transactionId: proposal.getTransactionId(),
              proposedTransaction: proposal.getBytes(),
            });
          }
        }),
      submit: <T>(fn: string, args: string[], options: SubmitOptions<T> = {}) =>
        this.withGateway(user, async (g) => {
          const contract = g.getNetwork(channel).getContract(chaincode);
          const proposal = contract.newProposal(fn, {
            arguments: args,
            transientData: options.transient,
          });
          const t0 = performance.now();
          let transaction;
          try {
            transaction = await proposal.endorse();
          } finally {
            this.onSigned?.({
              fn,
              kind: 'submit',
              transactionId: proposal.getTransactionId(),
              proposedTransaction: proposal.getBytes(),
            });
          }
          const t1 = performance.now();
          if (options.ready) {
            await options.ready.catch((e: unknown) => {
              throw new NotReady(e);
            });
          }
          const t2 = performance.now();
          // From here on a failure may hide a commit: an orderer can take a transaction whose
          // acknowledgement is lost, and a late commit status proves nothing.
          let submitted, status, t3;
          try {
            submitted = await transaction.submit();
            t3 = performance.now();
            status = await submitted.getStatus(this.commitDeadline());
          } catch (e) {
            throw new OutcomeUnknown(transaction.getTransactionId(), e);
          }
          if (!status.successful) {
            // As the client's own submitTransaction does: a CommitError carries the validation code.
            throw new CommitError({
              code: status.code,
              transactionId: status.transactionId,
              message: `transaction ${status.transactionId} committed with status code ${status.code}`,
            });
          }
          return {
            result: (options.decode ?? json<T>)(submitted.getResult()),
            transactionId: submitted.getTransactionId(),
            timings: { endorse: t1 - t0, order: t3 - t2, commit: performance.now() - t3 },
          };
        }),
      commitOutcome: (transactionId: string, waitMs: number) =>
        this.commitOutcome(user, transactionId, waitMs),
    };
  }

  private commitDeadline() {
    return { deadline: Date.now() + this.cfg.commitTimeoutMs };
  }

  /**
   * Whether transaction `transactionId` committed, asked of the peer (CommitStatus) as `user`:
   * a committed one answers at once; one the channel has not committed within `waitMs` is
   * `{ committed: false }` (it may still arrive: the caller decides how long to wait in all).
   */
  commitOutcome(
    user: SigningIdentity,
    transactionId: string,
    waitMs: number,
  ): Promise<CommitOutcome> {
    return this.withGateway(user, async (g) => {
      const request = new gatewayProto.CommitStatusRequest();
      request.setChannelId(this.cfg.channel);
      request.setTransactionId(transactionId);
      const creator = new msp.SerializedIdentity();
      creator.setMspid(user.mspId);
      creator.setIdBytes(Buffer.from(user.certificate));
      request.setIdentity(creator.serializeBinary());
      const signed = new gatewayProto.SignedCommitStatusRequest();
      signed.setRequest(request.serializeBinary());
      // Signed by the Gateway as `user` when it is sent.
      const commit = g.newCommit(signed.serializeBinary());
      try {
        const status = await commit.getStatus({ deadline: Date.now() + waitMs });
        return {
          committed: true,
          valid: status.successful,
          code: status.code,
          blockNumber: status.blockNumber,
        };
      } catch (e) {
        if ((e as { code?: number }).code === grpc.status.DEADLINE_EXCEEDED)
          return { committed: false };
        throw e;
      }
    });
  }

  /** Readiness: the TLS connection to the peer can be (re)established within `ms`. */
  ready(ms = 3000): Promise<boolean> {
    let client: grpc.Client;
    try {
      client = this.client;
    } catch {
      return Promise.resolve(false);
    }
    return new Promise((resolve) => {
      client.waitForReady(Date.now() + ms, (err) => resolve(!err));
    });
  }

  close(): void {
    this.clientInstance?.close();
  }
}
