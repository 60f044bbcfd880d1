// core.yaml of one peer, generated from network.yaml. Only the settings a peer reads are written,
// with our values: 127.0.0.1 listeners, TLS on, LevelDB, the Gateway service, the CCaaS external
// builder at its real path, gossip that knows only the peers that exist, INFO logging.
import { join } from 'node:path';
import { endpoint, type PeerNode } from '../topology';

export interface PeerConfigOptions {
  /** Directory holding bin/detect, bin/build, bin/release of the CCaaS builder. */
  ccaasBuilderDir: string;
}

/** Environment variable through which the CCaaS builder fills connection.json's templates. */
export const CCAAS_BUILDER_CONFIG_ENV = 'CHAINCODE_AS_A_SERVICE_BUILDER_CONFIG';

export function coreYaml(peer: PeerNode, opts: PeerConfigOptions): Record<string, unknown> {
  const self = endpoint(peer.port);
  const id = peer.identity;
  return {
    peer: {
      id: `${peer.name}.${peer.org.domain}`,
      networkId: 'ehr',
      listenAddress: self,
      address: self,
      addressAutoDetect: false,
      chaincodeListenAddress: endpoint(peer.chaincodeListenPort),
      chaincodeAddress: endpoint(peer.chaincodeListenPort),
      gateway: {
        enabled: true,
        endorsementTimeout: '30s',
        broadcastTimeout: '30s',
        dialTimeout: '2m',
      },
      keepalive: {
        interval: '7200s',
        timeout: '20s',
        minInterval: '60s',
        client: { interval: '60s', timeout: '20s' },
        deliveryClient: { interval: '60s', timeout: '20s' },
      },
      gossip: {
        // One peer per hospital: it bootstraps from itself, leads its organisation and learns the
        // other hospitals' peers from the anchor peers in the channel configuration.
        bootstrap: self,
        externalEndpoint: self,
        endpoint: self,
        useLeaderElection: false,
        orgLeader: true,
        membershipTrackerInterval: '5s',
        maxBlockCountToStore: 10,
        maxPropagationBurstLatency: '10ms',
        maxPropagationBurstSize: 10,
        propagateIterations: 1,
        propagatePeerNum: 3,
        pullInterval: '4s',
        pullPeerNum: 3,
        requestStateInfoInterval: '4s',
        publishStateInfoInterval: '4s',
        publishCertPeriod: '10s',
        skipBlockVerification: false,
        dialTimeout: '3s',
        connTimeout: '2s',
        recvBuffSize: 20,
        sendBuffSize: 200,
        digestWaitTime: '1s',
        requestWaitTime: '1500ms',
        responseWaitTime: '2s',
        aliveTimeInterval: '5s',
        aliveExpirationTimeout: '25s',
        // A peer that started before the other hospitals' peers retries them soon (Fabric: 25s).
        reconnectInterval: '5s',
        maxConnectionAttempts: 120,
        msgExpirationFactor: 20,
        election: {
          startupGracePeriod: '15s',
          membershipSampleInterval: '1s',
          leaderAliveThreshold: '10s',
          leaderElectionDuration: '5s',
        },
        pvtData: {
          pullRetryThreshold: '60s',
          transientstoreMaxBlockRetention: 20000,
          pushAckTimeout: '3s',
          btlPullMargin: 10,
          reconcileBatchSize: 10,
          reconcileSleepInterval: '1m',
          reconciliationEnabled: true,
          skipPullingInvalidTransactionsDuringCommit: false,
          implicitCollectionDisseminationPolicy: { requiredPeerCount: 0, maxPeerCount: 1 },
        },
        // A restarted peer catches up from the orderer (it is its organisation's leader).
        state: {
          enabled: false,
          checkInterval: '10s',
          responseTimeout: '3s',
          batchSize: 10,
          blockBufferSize: 20,
          maxRetries: 3,
        },
      },
      tls: {
        enabled: true,
        clientAuthRequired: false,
        cert: { file: id.tlsCert },
        key: { file: id.tlsKey },
        rootcert: { file: id.tlsCa },
        clientRootCAs: { files: [id.tlsCa] },
      },
      authentication: { timewindow: '15m' },
      fileSystemPath: peer.dataDir,
      BCCSP: { Default: 'SW', SW: { Hash: 'SHA2', Security: 256, FileKeyStore: { KeyStore: '' } } },
      mspConfigPath: id.msp,
      localMspId: peer.org.mspId,
      localMspType: 'bccsp',
      client: { connTimeout: '3s' },
      deliveryclient: {
        blockGossipEnabled: false,
        reconnectTotalTimeThreshold: '3600s',
        connTimeout: '3s',
        reConnectBackoffThreshold: '3600s',
        blockCensorshipTimeoutKey: '30s',
        minimalReconnectInterval: '100ms',
        policy: 'cluster',
      },
      profile: { enabled: false },
      handlers: {
        authFilters: [
          { name: 'DefaultAuth' },
          { name: 'ExpirationCheck' },
          { name: 'TimeWindowCheck' },
        ],
        decorators: [{ name: 'DefaultDecorator' }],
        endorsers: { escc: { name: 'DefaultEndorsement' } },
        validators: { vscc: { name: 'DefaultValidation' } },
      },
      discovery: {
        enabled: true,
        authCacheEnabled: true,
        authCacheMaxSize: 1000,
        authCachePurgeRetentionRatio: 0.75,
        orgMembersAllowedAccess: false,
      },
      limits: { concurrency: { endorserService: 2500, deliverService: 2500, gatewayService: 500 } },
      maxRecvMsgSize: 104857600,
      maxSendMsgSize: 104857600,
    },
    // No Docker: chaincode runs only as a service, through the external builder below.
    vm: { endpoint: '' },
    chaincode: {
      externalBuilders: [
        {
          name: 'ccaas',
          path: opts.ccaasBuilderDir,
          propagateEnvironment: [CCAAS_BUILDER_CONFIG_ENV],
        },
      ],
      installTimeout: '300s',
      startuptimeout: '300s',
      executetimeout: '30s',
      mode: 'net',
      keepalive: 0,
      system: { _lifecycle: 'enable', cscc: 'enable', lscc: 'enable', qscc: 'enable' },
      logging: {
        level: 'info',
        shim: 'warning',
        format:
          '%{time:2006-01-02 15:04:05.000 MST} [%{module}] %{shortfunc} -> %{level:.4s} %{message}',
      },
    },
    ledger: {
      state: { stateDatabase: 'goleveldb', totalQueryLimit: 100000 },
      history: { enableHistoryDatabase: true },
      pvtdataStore: {
        collElgProcMaxDbBatchSize: 5000,
        collElgProcDbBatchesInterval: 1000,
        deprioritizedDataReconcilerInterval: '60m',
        purgeInterval: 100,
        purgedKeyAuditLogging: true,
      },
      snapshots: { rootDir: join(peer.dataDir, 'snapshots') },
    },
    // Health (/healthz), log level and Prometheus metrics (heights, gossip membership) on 127.0.0.1 only.
    operations: { listenAddress: endpoint(peer.operationsPort), tls: { enabled: false } },
    metrics: { provider: 'prometheus' },
  };
}
