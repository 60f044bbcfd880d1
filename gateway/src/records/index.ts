// The records path of one gateway: encrypted upload to IPFS Cluster, logged and verified
// download, the hospital's encryption key. createRecords() wires it from the gateway context.
import { IpfsClusterClient } from '@ehr/network';
import type { GatewayContext } from '../http/context';
import { Consents } from './consent';
import { consentRoutes } from './consent-routes';
import { RecordDownloads } from './download';
import { HospitalKeyRegistration } from './hospital-key';
import { loadRecordsConfig, type RecordsConfig } from './records-config';
import { recordRoutes, recordUploadRoutes } from './routes';
import { RecordUploads } from './upload';
import { RecordViews } from './views';

export interface Records {
  config: RecordsConfig;
  hospitalKey: HospitalKeyRegistration;
  uploads: RecordUploads;
  downloads: RecordDownloads;
  /** Mounted before the OpenAPI validator (streams its multipart body itself). */
  uploadRoutes: ReturnType<typeof recordUploadRoutes>;
  routes: ReturnType<typeof recordRoutes>;
  consentRoutes: ReturnType<typeof consentRoutes>;
  /** Registers the hospital's key on the ledger now; failures are logged and retried on use. */
  registerKeyInBackground(): void;
}

export function createRecords(ctx: GatewayContext): Records {
  const config = loadRecordsConfig(ctx.config);
  const hospitalKey = new HospitalKeyRegistration(ctx, config.keyFile, config.retiredKeysDir);
  let cluster: IpfsClusterClient | undefined;
  const clusterClient = () => (cluster ??= new IpfsClusterClient(ctx.config.network, ctx.config.hospital));
  const uploads = new RecordUploads(ctx, config, hospitalKey, clusterClient);
  const downloads = new RecordDownloads(ctx, config, hospitalKey);
  return {
    config,
    hospitalKey,
    uploads,
    downloads,
    uploadRoutes: recordUploadRoutes(ctx, uploads),
    routes: recordRoutes(ctx, downloads, new RecordViews(hospitalKey, ctx.log)),
    consentRoutes: consentRoutes(ctx, new Consents(hospitalKey)),
    registerKeyInBackground: () => {
      hospitalKey.ensure().catch((e: unknown) => ctx.log.warn({ err: (e as Error).message }, 'hospital key not registered yet (retried on first upload)'));
    },
  };
}
