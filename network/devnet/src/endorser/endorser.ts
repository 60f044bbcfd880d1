// The endorser (Fabric's core/endorser/endorser.go with the peer's auth filters in front):
// checks the proposal, runs the chaincode against committed state through a simulator, and
// returns a ProposalResponse signed by this peer's identity. Like Fabric's ProcessProposal it
// yields both a response and an error: the gateway maps the pair to gRPC codes the same way.
import { peer } from '@hyperledger/fabric-protos';
import type { Ledger } from '../interfaces';
import { MspError, type SigningIdentity } from '../msp';
import { identitySatisfies, keyLevelPolicy, type Policy } from '../policies';
import type { ChaincodeConnection } from '../chaincode/connection';
import { TransactionContext } from '../chaincode/context';
import { POLICY_WRITERS, type ChannelResources } from '../peer/channel';
import { ProposalError, unpackProposal, validateProposal, type UnpackedProposal } from './proposal';
import { TxSimulator } from './simulator';

export interface EndorserDeps {
  channel: ChannelResources;
  ledger: Pick<Ledger, 'getState' | 'rangeScan' | 'history' | 'hasTransaction'>;
  /** This peer's signing identity (peer0 of the organisation). */
  signer: SigningIdentity;
  /** The organisation's chaincode server connection for a chaincode name. */
  chaincode: (name: string) => ChaincodeConnection | undefined;
  log?: (level: 'info' | 'warn', msg: string, data?: object) => void;
}

/**
 * Fabric's ChaincodeInterest for the invoked chaincode: the policies the endorsements must
 * satisfy for the keys the proposal writes (the key-level policies of those that have one,
 * and the chaincode's when some written key has none or nothing is written).
 */
export interface EndorsementInterest {
  keyPolicies: Policy[];
  chaincodePolicy: boolean;
}

/** Fabric's (ProposalResponse, error) pair. `response` is undefined when Fabric returns nil. */
export interface EndorserResult {
  response?: peer.ProposalResponse;
  error?: Error;
  /** The unpacked proposal, when it unpacked (the gateway reuses it). */
  proposal?: UnpackedProposal;
  /** With a successful response: what the endorsements must satisfy (the gateway's plan). */
  interest?: EndorsementInterest;
}

const ERRORTHRESHOLD = 400;
const ERROR = 500;

function errorResponse(message: string): peer.ProposalResponse {
  const r = new peer.Response();
  r.setStatus(ERROR);
  r.setMessage(message);
  const pr = new peer.ProposalResponse();
  pr.setResponse(r);
  return pr;
}

export class Endorser {
  constructor(private readonly deps: EndorserDeps) {}

  get mspId(): string {
    return this.deps.signer.mspId;
  }

  /**
   * Fabric's ProcessProposal. `opts.endorse: false` (the gateway's Evaluate, which only returns
   * the chaincode's response) skips building the proposal response payload and signing it when
   * the chaincode succeeded; every other caller gets a signed endorsement.
   */
  async processProposal(
    signedProposal: peer.SignedProposal,
    unpacked?: UnpackedProposal,
    opts: { endorse?: boolean } = {},
  ): Promise<EndorserResult> {
    const { channel } = this.deps;
    let up: UnpackedProposal;
    try {
      up = unpacked ?? unpackProposal(signedProposal);
    } catch (err) {
      const message = (err as Error).message;
      return { response: errorResponse(message), error: err as Error };
    }
    // The peer's expiration auth filter runs before the endorser (core/handlers/auth/filter).
    const expired = this.creatorExpired(up);
    if (expired) return { error: expired, proposal: up };

    if (up.channelId !== channel.channelId) {
      return { response: errorResponse(`channel '${up.channelId}' not found`), proposal: up };
    }
    try {
      await this.preProcess(up);
    } catch (err) {
      if (!(err instanceof ProposalError)) throw err;
      this.deps.log?.('warn', 'Failed to preProcess proposal', { error: err.message });
      return { response: errorResponse(err.message), error: err, proposal: up };
    }
    try {
      return { ...(await this.simulateAndEndorse(up, opts.endorse ?? true)), proposal: up };
    } catch (err) {
      const message = (err as Error).message;
      this.deps.log?.('warn', 'Failed to invoke chaincode', {
        chaincode: up.chaincodeName,
        error: message,
      });
      return { response: errorResponse(message), proposal: up };
    }
  }

  private creatorExpired(up: UnpackedProposal): Error | undefined {
    try {
      const creator = this.deps.channel
        .msps()
        .deserializeIdentity(up.signatureHeader.getCreator_asU8());
      if (creator.isExpired()) return new Error('proposal client identity expired');
    } catch (err) {
      if (!(err instanceof MspError)) throw err;
      // Not decodable here: the proposal checks refuse it with Fabric's message.
    }
    return undefined;
  }

  private async preProcess(up: UnpackedProposal): Promise<void> {
    const { channel, ledger } = this.deps;
    let creator;
    try {
      creator = await validateProposal(up, channel.msps(), (msg, reason) =>
        this.deps.log?.('warn', msg, { reason, channel: up.channelId, txId: up.txId.slice(0, 8) }),
      );
    } catch (err) {
      if (err instanceof ProposalError)
        throw new ProposalError(`error validating proposal: ${err.message}`);
      throw err;
    }
    if (await ledger.hasTransaction(up.txId)) {
      throw new ProposalError(
        `duplicate transaction found [${up.txId}]. Creator [${Buffer.from(up.signatureHeader.getCreator_asU8()).toString('hex')}]`,
      );
    }
    const writers = channel.policy(POLICY_WRITERS);
    if (!writers) throw new ProposalError(`policy ${POLICY_WRITERS} not found`);
    // The creator's signature over the proposal bytes was verified just above: Fabric's ACL
    // check of the same signed data only re-evaluates the policy for that identity.
    const ok = identitySatisfies(writers, creator);
    if (!ok) {
      throw new ProposalError(
        `failed evaluating policy on signed data during check policy [${POLICY_WRITERS}]: [implicit policy evaluation failed - 0 sub-policies were satisfied, but this policy requires 1 of the 'Writers' sub-policies to be satisfied]`,
      );
    }
  }

  /** Fabric's buildChaincodeInterest, from the committed metadata of the keys written. */
  private async interest(chaincode: string, simulator: TxSimulator): Promise<EndorsementInterest> {
    const keys = simulator.writtenKeys(chaincode);
    if (keys.length === 0) return { keyPolicies: [], chaincodePolicy: true };
    const keyPolicies = new Set<Policy>();
    let chaincodePolicy = false;
    for (const key of keys) {
      const policy = keyLevelPolicy((await this.deps.ledger.getState(chaincode, key))?.metadata);
      if (policy instanceof Error) throw policy;
      if (policy) keyPolicies.add(policy);
      else chaincodePolicy = true;
    }
    return { keyPolicies: [...keyPolicies], chaincodePolicy };
  }

  private async simulateAndEndorse(
    up: UnpackedProposal,
    endorse: boolean,
  ): Promise<{ response: peer.ProposalResponse; interest?: EndorsementInterest }> {
    const { channel, ledger, signer } = this.deps;
    const definition = channel.chaincode(up.chaincodeName);
    const connection = this.deps.chaincode(up.chaincodeName);
    if (!definition || !connection) {
      throw new Error(
        `make sure the chaincode ${up.chaincodeName} has been successfully defined on channel ${up.channelId} and try again: chaincode ${up.chaincodeName} not found`,
      );
    }
    const simulator = new TxSimulator(ledger, up.txId);
    const context = new TransactionContext(
      up.channelId,
      up.txId,
      up.chaincodeName,
      up.signedProposal,
      simulator,
    );
    let result;
    try {
      result = await connection.execute(context, up.input);
    } catch (err) {
      throw new Error(`error in simulation: ${(err as Error).message}`, { cause: err });
    } finally {
      await context.close();
      await simulator.done();
    }
    const { response, event } = result;
    const status = response.getStatus();
    // As Fabric's simulateProposal: a key-level policy that does not parse fails the proposal.
    const interest = await this.interest(up.chaincodeName, simulator);
    if (!endorse && status < ERRORTHRESHOLD) {
      // An evaluation: its result is the chaincode's response, nothing is endorsed.
      const pr = new peer.ProposalResponse();
      pr.setResponse(response);
      return { response: pr };
    }

    const action = new peer.ChaincodeAction();
    action.setResults(simulator.results());
    if (event) action.setEvents(event.serializeBinary());
    action.setResponse(response);
    const ccid = new peer.ChaincodeID();
    ccid.setName(up.chaincodeName);
    ccid.setVersion(definition.version);
    action.setChaincodeId(ccid);
    const prp = new peer.ProposalResponsePayload();
    prp.setProposalHash(up.proposalHash);
    prp.setExtension$(action.serializeBinary());
    const prpBytes = prp.serializeBinary();

    const pr = new peer.ProposalResponse();
    pr.setResponse(response);
    if (status >= ERROR) {
      pr.setPayload(prpBytes);
      return { response: pr };
    }
    if (status >= ERRORTHRESHOLD) return { response: pr };
    // Fabric endorses any status below 400.
    pr.setVersion(1);
    pr.setPayload(prpBytes);
    const endorsement = new peer.Endorsement();
    endorsement.setEndorser(signer.serialized);
    endorsement.setSignature(await signer.signAsync(Buffer.concat([prpBytes, signer.serialized])));
    pr.setEndorsement(endorsement);
    return { response: pr, interest };
  }
}
