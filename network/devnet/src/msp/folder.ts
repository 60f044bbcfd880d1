// Reads an MSP folder in Fabric's standard layout (cacerts/, intermediatecerts/, admincerts/,
// tlscacerts/, tlsintermediatecerts/, config.yaml with NodeOUs) into the FabricMSPConfig
// proto that a channel configuration carries for the organisation.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { msp as mspProto } from '@hyperledger/fabric-protos';
import { parse } from 'yaml';

function pemFiles(dir: string): Buffer[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /\.(pem|crt)$/.test(f))
    .sort()
    .map((f) => readFileSync(join(dir, f)));
}

interface OUConfig {
  Certificate?: string;
  OrganizationalUnitIdentifier?: string;
}

interface MspConfigYaml {
  NodeOUs?: {
    Enable?: boolean;
    ClientOUIdentifier?: OUConfig;
    PeerOUIdentifier?: OUConfig;
    AdminOUIdentifier?: OUConfig;
    OrdererOUIdentifier?: OUConfig;
  };
  OrganizationalUnitIdentifiers?: OUConfig[];
}

export function readMspFolder(dir: string, mspId: string): mspProto.FabricMSPConfig {
  const config = new mspProto.FabricMSPConfig();
  config.setName(mspId);
  config.setRootCertsList(pemFiles(join(dir, 'cacerts')));
  config.setIntermediateCertsList(pemFiles(join(dir, 'intermediatecerts')));
  config.setAdminsList(pemFiles(join(dir, 'admincerts')));
  config.setRevocationListList(pemFiles(join(dir, 'crls')));
  config.setTlsRootCertsList(pemFiles(join(dir, 'tlscacerts')));
  config.setTlsIntermediateCertsList(pemFiles(join(dir, 'tlsintermediatecerts')));
  const crypto = new mspProto.FabricCryptoConfig();
  crypto.setSignatureHashFamily('SHA2');
  crypto.setIdentityIdentifierHashFunction('SHA256');
  config.setCryptoConfig(crypto);

  const yamlFile = join(dir, 'config.yaml');
  if (!existsSync(yamlFile)) return config;
  const yaml = (parse(readFileSync(yamlFile, 'utf8')) ?? {}) as MspConfigYaml;
  const ou = (o: OUConfig | undefined): mspProto.FabricOUIdentifier | undefined => {
    if (!o?.OrganizationalUnitIdentifier) return undefined;
    const id = new mspProto.FabricOUIdentifier();
    id.setOrganizationalUnitIdentifier(o.OrganizationalUnitIdentifier);
    if (o.Certificate) id.setCertificate(readFileSync(resolve(dir, o.Certificate)));
    return id;
  };
  config.setOrganizationalUnitIdentifiersList(
    (yaml.OrganizationalUnitIdentifiers ?? []).map(ou).filter((o) => !!o),
  );
  if (yaml.NodeOUs) {
    const n = new mspProto.FabricNodeOUs();
    n.setEnable(!!yaml.NodeOUs.Enable);
    const client = ou(yaml.NodeOUs.ClientOUIdentifier);
    const peer = ou(yaml.NodeOUs.PeerOUIdentifier);
    const admin = ou(yaml.NodeOUs.AdminOUIdentifier);
    const orderer = ou(yaml.NodeOUs.OrdererOUIdentifier);
    if (client) n.setClientOuIdentifier(client);
    if (peer) n.setPeerOuIdentifier(peer);
    if (admin) n.setAdminOuIdentifier(admin);
    if (orderer) n.setOrdererOuIdentifier(orderer);
    config.setFabricNodeOus(n);
  }
  return config;
}

/** Wraps a FabricMSPConfig in the MSPConfig envelope (type 0 = FABRIC) used in config groups. */
export function toMspConfig(fabric: mspProto.FabricMSPConfig): mspProto.MSPConfig {
  const c = new mspProto.MSPConfig();
  c.setType(0);
  c.setConfig(fabric.serializeBinary());
  return c;
}
