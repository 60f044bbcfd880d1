// The chaincode's public surface: contract and transaction names, what each transaction takes
// and what the ledger stores. The gateway imports these types; this module has no runtime
// dependencies, so importing it does not pull in the Fabric shim.

/** Contract names: a transaction is addressed as `<contract>:<transaction>`. */
export const CONTRACTS = {
  hospitals: 'hospitals',
  assignments: 'assignments',
  records: 'records',
  consent: 'consent',
  access: 'access',
  directory: 'directory',
} as const;
export type ContractName = (typeof CONTRACTS)[keyof typeof CONTRACTS];

export const ROLES = ['patient', 'doctor', 'admin', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

export const KEY_ALGORITHMS = ['RSA-OAEP-3072', 'ECIES-P256'] as const;
export type KeyAlgorithm = (typeof KEY_ALGORITHMS)[number];

export const RECORD_CATEGORIES = ['report', 'prescription', 'imaging', 'other'] as const;
export type RecordCategory = (typeof RECORD_CATEGORIES)[number];

/** Why a record is opened (a fixed list, so no free text with health data reaches the log). */
export const PURPOSES = [
  'treatment',
  'emergency',
  'patient-access',
  'care-coordination',
  'second-opinion',
  'legal',
] as const;
export type Purpose = (typeof PURPOSES)[number];

export const GRANT_ACCESS = ['read', 'read-write'] as const;
export type GrantAccessLevel = (typeof GRANT_ACCESS)[number];

/** Times on the ledger: ISO 8601 UTC with milliseconds, from the transaction timestamp. */
export type IsoTime = string;

/** A person on the ledger: `<mspId>/<uid>`, derived from the certificate, never an argument. */
export type PersonId = string;

// ---- assets ---------------------------------------------------------------------------------

export interface HospitalKey {
  mspId: string;
  keyId: string;
  algorithm: KeyAlgorithm;
  /** SPKI PEM of the hospital's encryption public key. */
  publicKeyPem: string;
  activatedAt: IsoTime;
  /** Set when a newer key replaced this one. Wrapped keys under it stay readable by its owner. */
  retiredAt?: IsoTime;
  registeredBy: PersonId;
}

export interface Hospital {
  mspId: string;
  displayName: string;
  currentKey: HospitalKey;
  registeredAt: IsoTime;
  updatedAt: IsoTime;
  /** founding: listed at deployment; admitted: approved by a majority of members. */
  membership: 'founding' | 'admitted';
}

export interface Admission {
  mspId: string;
  /** MSP ids of the member hospitals whose admins approved, sorted. */
  approvals: string[];
  admittedAt?: IsoTime;
}

/** A proposal to add a hospital to the consortium (hospitals:ProposeMember). */
export interface MemberProposal extends ProposeMemberRequest {
  configUpdateSha256: string;
  proposedBy: PersonId;
  proposedAt: IsoTime;
  /** Each member hospital's admin signature over the update (one per MSP), in order. */
  approvals: MemberApproval[];
  rejections: MemberRejection[];
  status: MemberProposalStatus;
  closedAt?: IsoTime;
  closedBy?: PersonId;
  /** The channel configuration update was handed to the ordering service (by the last approver's gateway). */
  submittedAt?: IsoTime;
  submittedBy?: PersonId;
}

export const MEMBER_PROPOSAL_STATUSES = ['open', 'approved', 'rejected', 'withdrawn'] as const;
export type MemberProposalStatus = (typeof MEMBER_PROPOSAL_STATUSES)[number];

export interface MemberApproval {
  mspId: string;
  by: PersonId;
  at: IsoTime;
  /** base64 of the ConfigSignature parts: serialized SignatureHeader and the DER ECDSA signature. */
  signatureHeader: string;
  signature: string;
}

export interface MemberRejection {
  mspId: string;
  by: PersonId;
  at: IsoTime;
  reason?: string;
}

/** A proposal as read: plus what follows from the ledger's time and the current members. */
export interface MemberProposalView extends MemberProposal {
  /** open but past expiresAt (no more decisions are accepted). */
  expired: boolean;
  /** Member hospitals now, and how many approvals the channel's MAJORITY Admins policy needs. */
  members: string[];
  requiredApprovals: number;
}

export interface AssignmentEpisode {
  assignedAt: IsoTime;
  assignedBy: PersonId;
  endedAt?: IsoTime;
  endedBy?: PersonId;
}

export interface Assignment {
  patientId: PersonId;
  doctorId: PersonId;
  active: boolean;
  /** Every period this doctor was assigned to this patient, oldest first. */
  episodes: AssignmentEpisode[];
}

export interface RecordMeta {
  recordId: string;
  patientId: PersonId;
  authorId: PersonId;
  authorMsp: string;
  /** IPFS content identifier of the ciphertext (CIDv0 or CIDv1). */
  cid: string;
  /** SHA-256 of the ciphertext, lowercase hex. */
  sha256: string;
  /** Ciphertext size in bytes. */
  size: number;
  mediaType: string;
  category: RecordCategory;
  /** HMAC-SHA-256 (hex) of the doctor's remark (UTF-8; of '' when there is none) under a key
   *  derived from the record's remark key: only who can open the remark can check it (a plain hash
   *  would give a short remark away). The chaincode sees a 32-byte hex value, nothing more. */
  remarkHash: string;
  /** The remark, sealed by the gateway with a key derived from the record's data key (opaque
   *  base64); absent when the doctor wrote none. Never in clear on the ledger. */
  remark?: string;
  createdAt: IsoTime;
  txId: string;
  /** In record views only, for a caller who may read the content (never an auditor): the
   *  caller hospital's wrapped remark keys. */
  remarkKeys?: RemarkKey[];
}

/** A record's remark key wrapped for one hospital key (it opens the remark, not the file). */
export interface RemarkKey {
  keyId: string;
  wrappedRemarkKey: string;
}

/** The record's data key wrapped to one hospital's encryption key. */
export interface WrappedKey {
  recordId: string;
  mspId: string;
  keyId: string;
  /** Opaque base64 blob prepared by the gateway. */
  wrappedKey: string;
  /** The record's remark key wrapped to the same hospital key, when the record has a remark. */
  wrappedRemarkKey?: string;
  addedAt: IsoTime;
  addedBy: PersonId;
  /** 'author' when written with the record, otherwise the grant id that carried it. */
  source: string;
}

export type Grantee = { type: 'doctor'; doctorId: PersonId } | { type: 'hospital'; mspId: string };
export type GrantScope = { type: 'all' } | { type: 'records'; recordIds: string[] };

export interface Grant {
  grantId: string;
  patientId: PersonId;
  grantee: Grantee;
  scope: GrantScope;
  access: GrantAccessLevel;
  notAfter?: IsoTime;
  /** Records in scope whose data key the patient's hospital could not open, so none was given
   *  to the grantee's hospital: the grant covers them, but they cannot be read there. */
  keysUnavailable?: string[];
  createdAt: IsoTime;
  revokedAt?: IsoTime;
  txId: string;
}

export interface BreakGlass {
  breakGlassId: string;
  patientId: PersonId;
  doctorId: PersonId;
  doctorMsp: string;
  reason: string;
  declaredAt: IsoTime;
  expiresAt: IsoTime;
}

export type AccessBasis =
  | { type: 'self' }
  | { type: 'author' }
  | { type: 'assignment' }
  | { type: 'grant'; grantId: string }
  | { type: 'break-glass'; breakGlassId: string; reason: string };

export interface AccessEvent {
  eventId: string;
  patientId: PersonId;
  recordId: string;
  readerId: PersonId;
  readerMsp: string;
  readerRole: Role;
  purpose: Purpose;
  basis: AccessBasis;
  at: IsoTime;
}

/** A doctor in the consortium's directory, written by an admin of the doctor's hospital: that the
 *  doctor exists and is active. No name or specialty: the doctor's hospital serves those to the
 *  other members' gateways, off the ledger. */
export interface DoctorEntry {
  doctorId: PersonId;
  mspId: string;
  /** false once the hospital withdrew the doctor (kept, because old records name them). */
  active: boolean;
  listedAt: IsoTime;
  listedBy: PersonId;
  updatedAt: IsoTime;
  updatedBy: PersonId;
}

// ---- requests (JSON arguments) --------------------------------------------------------------

/** The candidate: MSP id, display name, its CA's root certificate (PEM), its peer endpoint. */
export interface ProposeMemberRequest {
  proposalId: string;
  mspId: string;
  displayName: string;
  caRootCertPem: string;
  peerEndpoint: string;
  encryptionKey: { keyId: string; algorithm: KeyAlgorithm; publicKeyPem: string };
  /** base64 of the common.ConfigUpdate adding the candidate, computed from the channel's config. */
  configUpdate: string;
  expiresAt: IsoTime;
}

export interface RegisterHospitalRequest {
  mspId: string;
  displayName: string;
  keyId: string;
  algorithm: KeyAlgorithm;
  publicKeyPem: string;
}

export interface PublishDoctorRequest {
  doctorId: PersonId;
  active: boolean;
}

export interface WrappedKeyInput {
  mspId: string;
  keyId: string;
  wrappedKey: string;
  /** Required exactly when the record has a remark. */
  wrappedRemarkKey?: string;
}

export interface AddRecordRequest {
  recordId: string;
  patientId: PersonId;
  cid: string;
  sha256: string;
  size: number;
  mediaType: string;
  category: RecordCategory;
  remarkHash: string;
  /** The sealed remark (see RecordMeta.remark); omitted when there is none. */
  remark?: string;
  /** One per key holder: the author's hospital, the patient's hospital and the hospitals of
   *  active all-records grants (see GetKeyHolders). No more, no fewer. */
  wrappedKeys: WrappedKeyInput[];
}

export interface GrantWrappedKeyInput {
  recordId: string;
  keyId: string;
  wrappedKey: string;
  /** Required exactly when the record has a remark. */
  wrappedRemarkKey?: string;
}

export interface GrantAccessRequest {
  grantId: string;
  grantee: Grantee;
  scope: GrantScope;
  access: GrantAccessLevel;
  notAfter?: IsoTime;
  /** The data keys of the records in scope, wrapped for the grantee's hospital, for every
   *  record that has no key for that hospital yet. */
  wrappedKeys: GrantWrappedKeyInput[];
  /** Records in scope the patient's hospital cannot open (its wrapped copy does not unwrap):
   *  declared instead of wrapped, and kept on the grant. */
  keysUnavailable?: string[];
}

// ---- results --------------------------------------------------------------------------------

export interface OpenRecordResult {
  record: RecordMeta;
  /** The caller hospital's wrapped data keys (one per key id the record was wrapped under). */
  wrappedKeys: Pick<WrappedKey, 'keyId' | 'wrappedKey'>[];
  event: AccessEvent;
}

export interface Page<T> {
  items: T[];
  /** Pass back to get the next page; '' when there is none. */
  bookmark: string;
}

export interface KeyHolder {
  mspId: string;
  keyId: string;
  algorithm: KeyAlgorithm;
  publicKeyPem: string;
}

export interface HistoryEntry<T> {
  txId: string;
  at: IsoTime;
  isDelete: boolean;
  value?: T;
}

export interface HospitalStats {
  mspId: string;
  recordsAuthored: number;
  breakGlassDeclaredByStaff: number;
}

/** Counts of one member hospital (directory:ListHospitalCounts): numbers only. */
export interface HospitalCounts {
  mspId: string;
  displayName: string;
  /** Active doctors in the directory. */
  doctorsListed: number;
  /** Patients of this hospital with at least one record. */
  patientsWithRecords: number;
  recordsAuthored: number;
  /** Grants of this hospital's patients valid now. */
  activeGrantsByPatients: number;
  /** Record reads by people of this hospital (staff and patients). */
  readsByMembers: number;
  /** Break-glass declarations by this hospital's doctors. */
  breakGlassDeclared: number;
}

/** Transactions that write (submit them); every other transaction only reads (evaluate). */
export const SUBMITTED_TRANSACTIONS: readonly string[] = [
  'hospitals:RegisterHospital',
  'hospitals:ApproveHospital',
  'hospitals:ProposeMember',
  'hospitals:ApproveMember',
  'hospitals:RejectMember',
  'hospitals:WithdrawMember',
  'hospitals:RecordMemberSubmitted',
  'assignments:AssignDoctor',
  'assignments:EndAssignment',
  'records:AddRecord',
  'consent:GrantAccess',
  'consent:RevokeAccess',
  'access:OpenRecord',
  'access:BreakGlass',
  'directory:PublishDoctor',
];
