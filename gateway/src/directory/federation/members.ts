// Who may call the federation port, and whom this gateway may call: the current members of the
// consortium as the channel configuration says (each application organisation's MSP and its TLS
// root certificates), read from this hospital's peer. A hospital removed from the channel is no
// longer trusted at the next read; one added by membership is trusted without a restart.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { msp as mspProto } from '@hyperledger/fabric-protos';
import type { GatewayConfig } from '../../config/config';
import { currentChannelConfig } from '../../membership/channel';

/** Member MSP id → PEMs of its TLS root (and intermediate) certificates. */
export type MemberRoots = ReadonlyMap<string, string[]>;

const pemOf = (der: Uint8Array) => new X509Certificate(Buffer.from(der)).toString();

/** The application organisations of a channel configuration block's config, with their TLS CAs. */
export function memberRootsOf(
  config: Awaited<ReturnType<typeof currentChannelConfig>>,
): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const app = config.config.getChannelGroup()?.getGroupsMap().get('Application');
  app?.getGroupsMap().forEach((group) => {
    const value = group.getValuesMap().get('MSP');
    if (!value) return;
    const wrapped = mspProto.MSPConfig.deserializeBinary(value.getValue_asU8());
    const fabric = mspProto.FabricMSPConfig.deserializeBinary(wrapped.getConfig_asU8());
    const certs = [
      ...fabric.getTlsRootCertsList_asU8(),
      ...fabric.getTlsIntermediateCertsList_asU8(),
    ].map(pemOf);
    if (certs.length) out.set(fabric.getName(), certs);
  });
  return out;
}

/** The member whose TLS CA issued `cert`, if any. */
export function issuingMember(roots: MemberRoots, cert: X509Certificate): string | undefined {
  for (const [mspId, pems] of roots) {
    for (const pem of pems) {
      const ca = new X509Certificate(pem);
      if (cert.checkIssued(ca) && cert.verify(ca.publicKey)) return mspId;
    }
  }
  return undefined;
}

/** The channel's members, re-read at most every `minAgeMs` (the newest read is kept on failure). */
export class ConsortiumMembers {
  private roots: MemberRoots | undefined;
  private readAt = 0;
  private reading: Promise<MemberRoots> | undefined;

  constructor(
    private readonly config: GatewayConfig,
    private readonly minAgeMs = 10_000,
  ) {}

  /** The newest read (undefined before the first succeeded). */
  get known(): MemberRoots | undefined {
    return this.roots;
  }

  /** The members now: a fresh read unless the last one is younger than minAgeMs. */
  current(): Promise<MemberRoots> {
    if (this.roots && Date.now() - this.readAt < this.minAgeMs) return Promise.resolve(this.roots);
    this.reading ??= this.read().finally(() => (this.reading = undefined));
    return this.reading;
  }

  private async read(): Promise<MemberRoots> {
    const { ledger, hospital, federation } = this.config;
    const channel = await currentChannelConfig(
      {
        address: ledger.endpoint,
        tlsCa: readFileSync(ledger.tlsCaFile),
        serverName: ledger.tlsServerName,
      },
      ledger.channel,
      {
        mspId: hospital.mspId,
        certificate: readFileSync(federation.identity.certFile, 'utf8'),
        privateKey: createPrivateKey(readFileSync(federation.identity.keyFile)),
      },
    );
    this.roots = memberRootsOf(channel);
    this.readAt = Date.now();
    return this.roots;
  }
}
