// @ehr/devnet MSP — Fabric's X.509 MSP for devnet's peer side and committer.
//
//   const mgr = MspManager.fromFabricMspConfigs(configs)   // from the channel config block
//   const id = mgr.deserializeIdentity(serializedIdentityBytes)  // MspError if MSP unknown
//   id.validate()                       // chain to the org's root CA, not a CA, NodeOU rules
//   id.verify(message, derSignature)    // ECDSA P-256/SHA-256, high-S refused → false
//   id.role / id.attributes / id.isExpired()
//   satisfiesRole(id, { mspId, role: 'peer' })   // throws MspError
//   readMspFolder(dir, mspId) → FabricMSPConfig  // MSP folder (cacerts, tlscacerts, config.yaml)
//   SigningIdentity.fromFiles(mspId, cert, key).sign(msg)  // low-S signatures
// Identities are cached per serialized bytes and their validation result is cached, so the
// hot path costs one map lookup plus one ECDSA verification.
export { ParsedCertificate, FABRIC_CA_ATTRS_OID } from './certificate';
export { revokedSerials, splitSigned } from './crl';
export { encodeEcdsaSignature, isLowS, sha256, signLowS, toHighS } from './ecdsa';
export { readMspFolder, toMspConfig } from './folder';
export { MspManager } from './manager';
export { Identity, Msp, MspError, NODE_ROLES, type MspDefinition, type NodeRole } from './msp';
export { decodePem, decodePemCertificates, encodePem } from './pem';
export {
  roleMismatch,
  rolePrincipal,
  roleOfPrincipal,
  satisfiesPrincipal,
  satisfiesRole,
  type PrincipalRole,
  type RolePrincipal,
} from './principal';
export { SigningIdentity } from './signer';
