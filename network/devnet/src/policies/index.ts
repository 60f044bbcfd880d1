// @ehr/devnet policies — Fabric's signature and implicit-meta policies.
//
//   const p = SignaturePolicy.parse("AND('Hospital1MSP.peer','Hospital2MSP.peer')")
//   evaluateSignedData(p, [{ data, identity, signature }, ...], mspManager)  // boolean
//   // endorsement check: data = proposal response payload ‖ endorser bytes
//   policyFromProto(configPolicy, (name) => orgs.map((o) => o.policies[name]))  // from config
//   new ImplicitMetaPolicy('MAJORITY', 'Admins', orgAdminPolicies)
export { PolicyParseError, parseSignaturePolicy, signaturePolicyToString } from './dsl';
export { keyLevelPolicy, VALIDATION_PARAMETER } from './key-level';
export {
  evaluateSignedData,
  evaluateSignedDataAsync,
  identitySatisfies,
  ImplicitMetaPolicy,
  implicitMetaPolicyProto,
  policyFailure,
  policyFromProto,
  SignaturePolicy,
  signaturePolicyProto,
  validIdentities,
  validIdentitiesAsync,
  type ImplicitMetaRule,
  type Policy,
  type SignedData,
} from './policy';
