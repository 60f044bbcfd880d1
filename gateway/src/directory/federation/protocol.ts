// What one member hospital's gateway tells another's about its doctors: professional identity
// only (name, specialty), for active doctors the ledger lists. Both sides use these shapes; the
// caller checks every answer against them (a strict schema: no other field is accepted).
import { z } from 'zod';

export const FEDERATION_DOCTORS_PATH = '/federation/v1/doctors';

/** The enrolment id (certificate CN) of every hospital's gateway identity at its CA. */
export const GATEWAY_IDENTITY_CN = 'gateway';

/** Lengths as the gateway makes them (doctor-directory.ts: professionalIdentity). */
export const FederatedDoctor = z
  .object({
    doctorId: z.string().min(3).max(300),
    displayName: z.string().min(1).max(200),
    specialty: z.string().min(1).max(100).optional(),
  })
  .strict();
export type FederatedDoctor = z.infer<typeof FederatedDoctor>;

export const FederatedDoctors = z
  .object({ mspId: z.string(), doctors: z.array(FederatedDoctor).max(100_000) })
  .strict();
export type FederatedDoctors = z.infer<typeof FederatedDoctors>;
