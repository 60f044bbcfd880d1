// Block 0 decodes the way configtxlator's protolator walks a common.Block: every opaque bytes
// field is decoded with the message type Fabric assigns to it (by config value name, policy type,
// metadata index), and each message re-encodes to exactly its bytes (nothing unknown inside).
import 'reflect-metadata';
import { common, msp, orderer } from '@hyperledger/fabric-protos';
import { genesisBlock } from '../src/channelconfig/genesis';
import { createCa, mspConfig } from './fixtures/pki';

interface Decodable {
  serializeBinary(): Uint8Array;
}
type Codec<T extends Decodable> = { deserializeBinary(b: Uint8Array): T };

function strict<T extends Decodable>(codec: Codec<T>, bytes: Uint8Array, where: string): T {
  const msg = codec.deserializeBinary(bytes);
  expect({ where, same: Buffer.from(msg.serializeBinary()).equals(Buffer.from(bytes)) }).toEqual({
    where,
    same: true,
  });
  return msg;
}

const VALUE_TYPES: Record<string, Codec<Decodable>> = {
  HashingAlgorithm: common.HashingAlgorithm,
  BlockDataHashingStructure: common.BlockDataHashingStructure,
  Capabilities: common.Capabilities,
  BatchSize: orderer.BatchSize,
  BatchTimeout: orderer.BatchTimeout,
  ChannelRestrictions: orderer.ChannelRestrictions,
  ConsensusType: orderer.ConsensusType,
  Endpoints: common.OrdererAddresses,
  MSP: msp.MSPConfig,
};

function walkGroup(group: common.ConfigGroup, path: string, seen: string[]): void {
  group.getValuesMap().forEach((value, name) => {
    const codec = VALUE_TYPES[name];
    expect({ path: `${path}/${name}`, known: !!codec }).toEqual({
      path: `${path}/${name}`,
      known: true,
    });
    const decoded = strict(codec, value.getValue_asU8(), `${path}/${name}`);
    if (name === 'MSP')
      strict(
        msp.FabricMSPConfig,
        (decoded as msp.MSPConfig).getConfig_asU8(),
        `${path}/MSP config`,
      );
    if (name === 'ConsensusType') {
      strict(
        orderer.etcdraft.ConfigMetadata,
        (decoded as orderer.ConsensusType).getMetadata_asU8(),
        `${path}/ConsensusType metadata`,
      );
    }
    seen.push(`${path}/${name}`);
  });
  group.getPoliciesMap().forEach((cp, name) => {
    const p = cp.getPolicy()!;
    if (p.getType() === common.Policy.PolicyType.SIGNATURE)
      strict(common.SignaturePolicyEnvelope, p.getValue_asU8(), `${path}/${name}`);
    else if (p.getType() === common.Policy.PolicyType.IMPLICIT_META)
      strict(common.ImplicitMetaPolicy, p.getValue_asU8(), `${path}/${name}`);
    else throw new Error(`unexpected policy type at ${path}/${name}`);
    seen.push(`${path}/${name}`);
  });
  group.getGroupsMap().forEach((child, name) => walkGroup(child, `${path}/${name}`, seen));
}

it('block 0 decodes field by field like configtxlator proto_decode --type common.Block', async () => {
  const [h1, h2, ord] = [
    await createCa('Hospital1'),
    await createCa('Hospital2'),
    await createCa('Orderer'),
  ];
  const block = genesisBlock({
    channel: 'ehr',
    ordererOrg: {
      name: 'Orderer',
      mspId: 'OrdererMSP',
      msp: mspConfig('OrdererMSP', ord),
      host: '127.0.0.1',
      port: 7050,
      tlsCert: ord.pem,
    },
    applicationOrgs: [
      { name: 'Hospital1', mspId: 'Hospital1MSP', msp: mspConfig('Hospital1MSP', h1) },
      { name: 'Hospital2', mspId: 'Hospital2MSP', msp: mspConfig('Hospital2MSP', h2) },
    ],
    batch: {
      maxMessageCount: 500,
      absoluteMaxBytes: 10485760,
      preferredMaxBytes: 2097152,
      batchTimeoutMs: 250,
    },
    batchTimeout: '250ms',
  });
  const bytes = block.serializeBinary();
  const decoded = strict(common.Block, bytes, 'block');
  const md = decoded.getMetadata()!.getMetadataList_asU8();
  const sig = strict(common.Metadata, md[common.BlockMetadataIndex.SIGNATURES], 'SIGNATURES');
  expect(
    strict(common.OrdererBlockMetadata, sig.getValue_asU8(), 'OrdererBlockMetadata')
      .getLastConfig()
      ?.getIndex(),
  ).toBe(0);
  strict(
    common.LastConfig,
    strict(
      common.Metadata,
      md[common.BlockMetadataIndex.LAST_CONFIG],
      'LAST_CONFIG',
    ).getValue_asU8(),
    'LastConfig',
  );

  const env = strict(common.Envelope, decoded.getData()!.getDataList_asU8()[0], 'envelope');
  const payload = strict(common.Payload, env.getPayload_asU8(), 'payload');
  const ch = strict(
    common.ChannelHeader,
    payload.getHeader()!.getChannelHeader_asU8(),
    'channel header',
  );
  expect(ch.getType()).toBe(common.HeaderType.CONFIG);
  expect(ch.getChannelId()).toBe('ehr');
  strict(
    common.SignatureHeader,
    payload.getHeader()!.getSignatureHeader_asU8(),
    'signature header',
  );
  const config = strict(
    common.ConfigEnvelope,
    payload.getData_asU8(),
    'config envelope',
  ).getConfig()!;
  const seen: string[] = [];
  walkGroup(config.getChannelGroup()!, '/Channel', seen);
  expect(seen).toEqual(
    expect.arrayContaining([
      '/Channel/Capabilities',
      '/Channel/Admins',
      '/Channel/Orderer/ConsensusType',
      '/Channel/Orderer/BlockValidation',
      '/Channel/Orderer/Orderer/MSP',
      '/Channel/Orderer/Orderer/Endpoints',
      '/Channel/Application/Endorsement',
      '/Channel/Application/LifecycleEndorsement',
      '/Channel/Application/Hospital1/MSP',
      '/Channel/Application/Hospital2/Endorsement',
    ]),
  );
  const caps = common.Capabilities.deserializeBinary(
    config.getChannelGroup()!.getValuesMap().get('Capabilities')!.getValue_asU8(),
  );
  expect([...caps.getCapabilitiesMap().keys()]).toEqual(['V3_0']);
});
