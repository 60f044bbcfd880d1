// The records path of one gateway: encrypted upload to IPFS Cluster, logged and verified
// download, the hospital's encryption key. createRecords() wires it from the gateway context.
import { IpfsClusterClient } from '@ehr/network';
import type { GatewayContext } from '../http/context';
import { Consents } from './consent';
import { consentRoutes } from './consent-routes';
import { RecordDownloads } from './download';
import { HospitalKeyRegistration } from './hospital-key';
import { OrphanPins } from './orphan-pins';
import { loadRecordsConfig, type RecordsConfig } from './records-config';
import { recordRoutes, recordUploadRoutes } from './routes';
import { RecordUploads } from './upload';
import { RecordViews } from './views';

export interface Records {
  config: RecordsConfig;
  hospitalKey: HospitalKeyRegistration;
  uploads: RecordUploads;
  downloads: RecordDownloads;
  /** Stored files the ledger does not reference; its sweeper runs from the gateway's start. */
  orphanPins: OrphanPins;
  /** Mounted before the OpenAPI validator (streams its multipart body itself). */
  uploadRoutes: ReturnType<typeof recordUploadRoutes>;
  routes: ReturnType<typeof recordRoutes>;
  consentRoutes: ReturnType<typeof consentRoutes>;
  /** Starts putting this hospital's key on the ledger, retried until done; returns a stop. */
  registerKeyInBackground(): () => void;
}

export function createRecords(ctx: GatewayContext): Records {
  const config = loadRecordsConfig(ctx.config);
  const hospitalKey = new HospitalKeyRegistration(ctx, config.keyFile, config.retiredKeysDir);
  let cluster: IpfsClusterClient | undefined;
  const clusterClient = () =>
    (cluster ??= new IpfsClusterClient(ctx.config.network, ctx.config.hospital));
  const orphanPins = new OrphanPins(ctx, config.orphanPins, clusterClient);
  const uploads = new RecordUploads(ctx, config, hospitalKey, clusterClient, orphanPins);
  const downloads = new RecordDownloads(ctx, config, hospitalKey);
  return {
    config,
    hospitalKey,
    uploads,
    downloads,
    orphanPins,
    uploadRoutes: recordUploadRoutes(ctx, uploads),
    routes: recordRoutes(ctx, downloads, new RecordViews(hospitalKey, ctx.log)),
    consentRoutes: consentRoutes(ctx, new Consents(hospitalKey)),
    // The ledger may not answer yet when the gateway starts (on real Fabric the peers join and
    // the chaincode is committed after the gateway is up): keep trying with back-off, so grants
    // and assignments need not wait for a first upload to put the key on the ledger.
    registerKeyInBackground: () => {
      let stopped = false;
      let timer: NodeJS.Timeout | undefined;
      const attempt = (retryInMs: number): void => {
        hospitalKey.ensure().catch((e: unknown) => {
          if (stopped) return;
          ctx.log.warn({ err: (e as Error).message, retryInMs }, 'hospital key not registered yet');
          timer = setTimeout(() => attempt(Math.min(retryInMs * 2, 60_000)), retryInMs).unref();
        });
      };
      attempt(1000);
      return () => {
        stopped = true;
        clearTimeout(timer);
      };
    },
  };
}
