// Fabric blocks built in the test: a genesis config block naming an orderer org (its own test
// CA), then transaction blocks hashed, chained and signed by an orderer identity exactly as an
// orderer writes them. Lets verify and the anchoring service be tested without a network.
import 'reflect-metadata';
import { KeyObject, randomBytes, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { blockHeaderBytes, computeBlockDataHash, headerHashOf } from '@ehr/network';
import { configEnvelope, genesisBlock } from '@ehr/devnet/dist/src/channelconfig/genesis';
import { SigningIdentity, toMspConfig } from '@ehr/devnet/dist/src/msp';
import { common, msp as mspProto } from '@hyperledger/fabric-protos';
import type { BlockSource } from '../../src/fabric/deliver';

x509.cryptoProvider.set(webcrypto as unknown as webcrypto.Crypto);
const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
let serial = 1;

export interface TestCa {
  cert: x509.X509Certificate;
  keys: webcrypto.CryptoKeyPair;
  pem: Buffer;
}

export async function createCa(name: string): Promise<TestCa> {
  const keys = (await webcrypto.subtle.generateKey(alg, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: (serial++).toString(16).padStart(2, '0'),
    name: `CN=ca.${name},O=${name}`,
    notBefore: new Date(Date.now() - 86400_000),
    notAfter: new Date(Date.now() + 365 * 86400_000),
    keys,
    signingAlgorithm: alg,
    extensions: [
      new x509.BasicConstraintsExtension(true, 1, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
        true,
      ),
      // Fabric's MSP (and devnet's) refuses a CA certificate without a Subject Key Identifier.
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert, keys, pem: Buffer.from(`${cert.toString('pem')}\n`) };
}

export async function issueIdentity(
  ca: TestCa,
  mspId: string,
  cn: string,
): Promise<SigningIdentity> {
  const keys = (await webcrypto.subtle.generateKey(alg, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: (serial++).toString(16).padStart(2, '0'),
    subject: `CN=${cn}`,
    issuer: ca.cert.subject,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 30 * 86400_000),
    publicKey: keys.publicKey,
    signingKey: ca.keys.privateKey,
    signingAlgorithm: alg,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    ],
  });
  return new SigningIdentity(
    mspId,
    Buffer.from(`${cert.toString('pem')}\n`),
    KeyObject.from(keys.privateKey),
  );
}

/** An organisation's MSP as a channel configuration carries it (its CA as the only root). */
function fabricMsp(mspId: string, ca: TestCa): mspProto.FabricMSPConfig {
  const fabric = new mspProto.FabricMSPConfig();
  fabric.setName(mspId);
  fabric.setRootCertsList([ca.pem]);
  fabric.setTlsRootCertsList([ca.pem]);
  return fabric;
}

function envelopeBytes(
  type: number,
  channel: string,
  data: Uint8Array,
  signature: Uint8Array,
): Uint8Array {
  const ch = new common.ChannelHeader();
  ch.setType(type);
  ch.setChannelId(channel);
  const header = new common.Header();
  header.setChannelHeader(ch.serializeBinary());
  header.setSignatureHeader(new common.SignatureHeader().serializeBinary());
  const payload = new common.Payload();
  payload.setHeader(header);
  payload.setData(data);
  const env = new common.Envelope();
  env.setPayload(payload.serializeBinary());
  env.setSignature(signature);
  return env.serializeBinary();
}

/** A channel's blocks as its orderer writes them, from a configtxgen-style genesis block. */
export class TestChain {
  readonly blocks: common.Block[] = [];
  private lastConfig = 0;
  private config!: common.Config;

  constructor(
    readonly channel: string,
    private signer: SigningIdentity,
  ) {}

  static async create(channel = 'ehr'): Promise<{ chain: TestChain; ca: TestCa }> {
    const ca = await createCa('orderer');
    const hospitalCa = await createCa('hospital1');
    const signer = await issueIdentity(ca, 'OrdererMSP', 'orderer0');
    const chain = new TestChain(channel, signer);
    const genesis = genesisBlock({
      channel,
      ordererOrg: {
        name: 'Orderer',
        mspId: 'OrdererMSP',
        msp: fabricMsp('OrdererMSP', ca),
        host: '127.0.0.1',
        port: 7050,
        tlsCert: ca.pem,
      },
      applicationOrgs: [
        { name: 'Hospital1', mspId: 'Hospital1MSP', msp: fabricMsp('Hospital1MSP', hospitalCa) },
      ],
      batch: {
        maxMessageCount: 10,
        absoluteMaxBytes: 1 << 20,
        preferredMaxBytes: 1 << 20,
        batchTimeoutMs: 250,
      },
      batchTimeout: '250ms',
    });
    chain.blocks.push(genesis);
    const payload = common.Payload.deserializeBinary(
      common.Envelope.deserializeBinary(genesis.getData()!.getDataList_asU8()[0]).getPayload_asU8(),
    );
    chain.config = common.ConfigEnvelope.deserializeBinary(payload.getData_asU8()).getConfig()!;
    return { chain, ca };
  }

  /** A config block that replaces the orderer organisation's CA (signed by the current orderer). */
  appendOrdererCaRotation(newCa: TestCa): common.Block {
    const config = common.Config.deserializeBinary(this.config.serializeBinary());
    config.setSequence(config.getSequence() + 1);
    const org = config
      .getChannelGroup()!
      .getGroupsMap()
      .get('Orderer')!
      .getGroupsMap()
      .get('Orderer')!;
    const value = new common.ConfigValue();
    value.setValue(toMspConfig(fabricMsp('OrdererMSP', newCa)).serializeBinary());
    value.setModPolicy('Admins');
    org.getValuesMap().set('MSP', value);
    this.config = config;
    this.lastConfig = this.blocks.length;
    return this.append([configEnvelope(this.channel, config).serializeBinary()]);
  }

  /** A block of `count` transactions (well-formed envelopes with random contents). */
  appendTransactions(count = 2): common.Block {
    const data = Array.from({ length: count }, () =>
      envelopeBytes(
        common.HeaderType.ENDORSER_TRANSACTION,
        this.channel,
        randomBytes(64),
        randomBytes(70),
      ),
    );
    return this.append(data);
  }

  /** Signs later blocks with another identity (e.g. one outside the orderer orgs). */
  useSigner(signer: SigningIdentity): void {
    this.signer = signer;
  }

  private append(data: Uint8Array[]): common.Block {
    const number = this.blocks.length;
    const header = new common.BlockHeader();
    header.setNumber(number);
    header.setPreviousHash(number === 0 ? new Uint8Array() : headerHashOf(this.blocks[number - 1]));
    header.setDataHash(computeBlockDataHash(data));
    const blockData = new common.BlockData();
    blockData.setDataList(data);
    const block = new common.Block();
    block.setHeader(header);
    block.setData(blockData);
    const metadata = new common.BlockMetadata();
    const signatures = new common.Metadata();
    {
      const obm = new common.OrdererBlockMetadata();
      const lc = new common.LastConfig();
      lc.setIndex(this.lastConfig);
      obm.setLastConfig(lc);
      signatures.setValue(obm.serializeBinary());
      const sh = new common.SignatureHeader();
      sh.setCreator(this.signer.serialized);
      sh.setNonce(randomBytes(24));
      const shBytes = sh.serializeBinary();
      const headerBytes = blockHeaderBytes({
        number,
        previousHash: header.getPreviousHash_asU8(),
        dataHash: header.getDataHash_asU8(),
      });
      const ms = new common.MetadataSignature();
      ms.setSignatureHeader(shBytes);
      ms.setSignature(
        this.signer.sign(Buffer.concat([signatures.getValue_asU8(), shBytes, headerBytes])),
      );
      signatures.addSignatures(ms);
    }
    metadata.setMetadataList([
      signatures.serializeBinary(),
      new Uint8Array(),
      new Uint8Array(data.length),
      new Uint8Array(),
    ]);
    block.setMetadata(metadata);
    this.blocks.push(block);
    return block;
  }

  /** A BlockSource over these blocks; `alter` may replace a block as it is served. */
  source(
    alter: (block: common.Block) => common.Block = (b) => b,
  ): BlockSource & { closed: boolean } {
    const blocks = this.blocks;
    return {
      closed: false,
      async newest() {
        if (blocks.length === 0) throw new Error('no blocks');
        return alter(blocks[blocks.length - 1]);
      },
      async *blocks(start: bigint, end: bigint) {
        for (let n = Number(start); n <= Number(end); n++) {
          if (!blocks[n]) throw new Error(`block ${n} not found`);
          yield alter(blocks[n]);
        }
      },
      close() {
        this.closed = true;
      },
    };
  }
}

/** A copy of a block (deep, through its bytes). */
export function copyBlock(block: common.Block): common.Block {
  return common.Block.deserializeBinary(block.serializeBinary());
}
