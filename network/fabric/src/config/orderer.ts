// orderer.yaml of one Raft orderer, generated from network.yaml: TLS on its client/cluster
// listener, channel participation through the admin endpoint (mutual TLS, used by osnadmin), no
// system channel, its ledger and Raft log under the data directory, INFO logging.
import { join } from 'node:path';
import { HOST, endpoint, type OrdererNode } from '../topology';

export function ordererYaml(o: OrdererNode): Record<string, unknown> {
  const id = o.identity;
  return {
    General: {
      ListenAddress: HOST,
      ListenPort: o.port,
      TLS: {
        Enabled: true,
        PrivateKey: id.tlsKey,
        Certificate: id.tlsCert,
        RootCAs: [id.tlsCa],
        ClientAuthRequired: false,
      },
      Keepalive: { ServerMinInterval: '60s', ServerInterval: '7200s', ServerTimeout: '20s' },
      Backoff: { BaseDelay: '1s', Multiplier: 1.6, MaxDelay: '2m' },
      MaxRecvMsgSize: 104857600,
      MaxSendMsgSize: 104857600,
      // Raft traffic shares the TLS listener above; the same certificate authenticates this node.
      Cluster: {
        SendBufferSize: 100,
        ClientCertificate: id.tlsCert,
        ClientPrivateKey: id.tlsKey,
      },
      LocalMSPDir: id.msp,
      LocalMSPID: o.org.mspId,
      BCCSP: { Default: 'SW', SW: { Hash: 'SHA2', Security: 256, FileKeyStore: { KeyStore: '' } } },
      Authentication: { TimeWindow: '15m' },
    },
    FileLedger: { Location: join(o.dataDir, 'ledger') },
    Operations: { ListenAddress: endpoint(o.operationsPort), TLS: { Enabled: false } },
    Metrics: { Provider: 'prometheus' },
    Admin: {
      ListenAddress: endpoint(o.adminPort),
      TLS: {
        Enabled: true,
        Certificate: id.tlsCert,
        PrivateKey: id.tlsKey,
        RootCAs: [id.tlsCa],
        ClientAuthRequired: true,
        ClientRootCAs: [id.tlsCa],
      },
    },
    ChannelParticipation: { Enabled: true, MaxRequestBodySize: '1 MB' },
    Consensus: {
      WALDir: join(o.dataDir, 'etcdraft', 'wal'),
      SnapDir: join(o.dataDir, 'etcdraft', 'snapshot'),
    },
  };
}
