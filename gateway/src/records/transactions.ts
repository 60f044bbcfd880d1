// The chaincode transactions of the records path, by their full names (chaincode/src/api.ts).
export const HOSPITALS = {
  get: 'hospitals:GetHospital',
  register: 'hospitals:RegisterHospital',
} as const;

export const RECORD_TX = {
  keyHolders: 'records:GetKeyHolders',
  add: 'records:AddRecord',
  metadata: 'records:GetRecordMetadata',
  list: 'records:ListRecords',
  open: 'access:OpenRecord',
} as const;

export const CONSENT_TX = {
  prepare: 'consent:PrepareGrant',
  grant: 'consent:GrantAccess',
  revoke: 'consent:RevokeAccess',
  list: 'consent:ListGrants',
} as const;

export const ACCESS_TX = {
  events: 'access:ListAccessEvents',
  eventsByReaderHospital: 'access:ListAccessEventsByReaderHospital',
  breakGlassList: 'access:ListBreakGlass',
  breakGlass: 'access:BreakGlass',
} as const;
