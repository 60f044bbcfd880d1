// What the gateway needs from its hospital's Fabric CA. The implementation (fabric-ca.ts) uses the
// foundation's CA client; unit tests may stub this seam, integration tests use the real CA.

/** Attributes the chaincode reads from the certificate (ecert attributes). */
export interface IdentityAttributes {
  role: 'patient' | 'doctor' | 'admin' | 'auditor';
  uid: string;
  govId?: string;
}

export interface EnrolledIdentity {
  /** PEM of the enrolment certificate (carries the attributes). */
  certificate: string;
  /** PKCS#8 PEM of the private key, generated in this process; sealed before it is stored. */
  privateKeyPem: string;
}

export interface IdentityAuthority {
  /** Registers `enrollmentId` with the attributes and enrols it with a key made in-process. */
  registerAndEnroll(enrollmentId: string, attrs: IdentityAttributes): Promise<EnrolledIdentity>;
  /** Removes (or, where the CA forbids removal, revokes) an identity: undoing a failed signup. */
  remove(enrollmentId: string): Promise<void>;
  /** Readiness: the CA answers. */
  ping(): Promise<boolean>;
}
