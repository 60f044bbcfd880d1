// The services `npm start` runs, in one list. Each engineer appends theirs (devnet or Fabric,
// chaincode servers, gateways, anchoring); the supervisor orders them by `dependsOn`.
import {
  anvilService,
  caServices,
  ipfsServices,
  postgresService,
  type Network,
  type ServiceDefinition,
} from '@ehr/network';
import { chaincodeServices } from '@ehr/chaincode/service';
import { DEVNET_SERVICE, devnetService } from '@ehr/devnet';
import { anchoringService } from '@ehr/evm-anchor/service';
import {
  fabricChaincodeBinding,
  fabricLedgerServiceNames,
  fabricServices,
  joinedCandidates,
} from '@ehr/fabric';
import { gatewayServices } from '@ehr/gateway/service';
import { ensureWebBuild } from '../web-build';

/**
 * The gateways serve the portal's build: it is made (when missing or stale) before the first
 * gateway starts. A failed build leaves the API running; the portal answers its 503 page.
 */
function withPortalBuild(defs: ServiceDefinition[]): ServiceDefinition[] {
  let build: Promise<void> | undefined;
  const once = () =>
    (build ??= ensureWebBuild().catch((e: unknown) => {
      console.error(`portal: ${(e as Error).message}; the gateways serve their API without it`);
    }));
  return defs.map((d) => ({
    ...d,
    async prepare() {
      await once();
      await d.prepare?.();
    },
  }));
}

export function services(net: Network): ServiceDefinition[] {
  const fabric = process.env.LEDGER === 'fabric';
  const ledgerServices = fabric ? fabricLedgerServiceNames(net) : [DEVNET_SERVICE];
  return [
    postgresService(net),
    ...caServices(net),
    ...ipfsServices(net),
    anvilService(net),
    // One chaincode server per hospital (CCaaS). With LEDGER=fabric pass the Fabric runtime's
    // chaincodeBinding() so they start with the deployed package id and wait for the peers.
    ...(fabric
      ? chaincodeServices(net, fabricChaincodeBinding(net), [
          ...net.hospitals,
          ...joinedCandidates(net),
        ])
      : chaincodeServices(net)),
    // The ledger: devnet unless LEDGER=fabric (network/fabric adds the real Fabric services).
    ...(fabric ? fabricServices(net) : [devnetService(net)]),
    // Anchors the channel on Ethereum (Anvil here) every N blocks or T minutes.
    anchoringService(net, { ledgerServices }),
    // One gateway per hospital (identity, sessions, the API); demo accounts for npm start.
    ...withPortalBuild(gatewayServices(net, { ledgerServices, demoData: true })),
  ];
}
