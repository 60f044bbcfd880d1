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

export function services(net: Network): ServiceDefinition[] {
  return [postgresService(net), ...caServices(net), ...ipfsServices(net), anvilService(net)];
}
