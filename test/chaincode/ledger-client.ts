// Fabric Gateway clients for chaincode integration tests: one gRPC connection per hospital peer
// endpoint (devnet's, or real Fabric's with LEDGER=fabric), one Gateway per CA-enrolled person.
// Nothing here is devnet-specific, so the same tests run unchanged on real Fabric.
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import {
  connect,
  hash,
  signers,
  type Contract,
  type Gateway,
  GatewayError,
  CommitError,
} from '@hyperledger/fabric-gateway';
import { codeInMessage } from '@ehr/common';
import { orgPaths, type CaIdentity, type Hospital, type Network } from '@ehr/network';
import { SUBMITTED_TRANSACTIONS } from '@ehr/chaincode';

export const LEDGER = process.env.LEDGER === 'fabric' ? 'fabric' : 'devnet';

export function peerAddress(h: Hospital): string {
  return `127.0.0.1:${LEDGER === 'fabric' ? h.peer.fabricPort : h.peer.port}`;
}

export class PeerClients {
  private readonly clients = new Map<string, grpc.Client>();
  private readonly gateways: Gateway[] = [];

  constructor(private readonly net: Network) {}

  client(h: Hospital): grpc.Client {
    let c = this.clients.get(h.mspId);
    if (!c) {
      const ca = readFileSync(orgPaths(this.net, h).peer!.tlsCa);
      c = new grpc.Client(peerAddress(h), grpc.credentials.createSsl(ca));
      this.clients.set(h.mspId, c);
    }
    return c;
  }

  /** A Gateway for one person, connected through their own hospital's peer. */
  gateway(h: Hospital, person: CaIdentity): Gateway {
    const gw = connect({
      client: this.client(h),
      identity: { mspId: h.mspId, credentials: Buffer.from(person.certificate) },
      signer: signers.newPrivateKeySigner(person.privateKey),
      hash: hash.sha256,
      evaluateOptions: () => ({ deadline: Date.now() + 30_000 }),
      endorseOptions: () => ({ deadline: Date.now() + 30_000 }),
      submitOptions: () => ({ deadline: Date.now() + 30_000 }),
      commitStatusOptions: () => ({ deadline: Date.now() + 60_000 }),
    });
    this.gateways.push(gw);
    return gw;
  }

  contract(gw: Gateway): Contract {
    return gw.getNetwork(this.net.channel).getContract(this.net.chaincode.name);
  }

  close(): void {
    for (const g of this.gateways) g.close();
    for (const c of this.clients.values()) c.close();
  }
}

export type CallOutcome = { ok: true; result: unknown } | { ok: false; code: string };

/** The catalogue code in a Gateway error (the chaincode's "CODE: ..." message in the details). */
export function codeOfError(e: unknown): string {
  if (e instanceof CommitError) return `COMMIT_${e.code}`;
  if (e instanceof GatewayError) {
    for (const text of [...e.details.map((d) => d.message), e.message]) {
      const code = codeInMessage(text);
      if (code) return code;
    }
    return `GATEWAY_${e.code}: ${e.details.map((d) => d.message).join('; ') || e.message}`;
  }
  throw e;
}

/** Submits writing transactions and evaluates the others, as the gateway does. */
export async function call(contract: Contract, fn: string, args: string[]): Promise<CallOutcome> {
  try {
    const bytes = SUBMITTED_TRANSACTIONS.includes(fn)
      ? await contract.submitTransaction(fn, ...args)
      : await contract.evaluateTransaction(fn, ...args);
    const text = Buffer.from(bytes).toString('utf8');
    return { ok: true, result: text === '' ? undefined : JSON.parse(text) };
  } catch (e) {
    return { ok: false, code: codeOfError(e) };
  }
}
