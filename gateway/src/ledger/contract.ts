// The chaincode transactions this gateway calls, by their full names (`<contract>:<transaction>`,
// chaincode/src/api.ts), and the shapes they return.
export const ASSIGNMENTS = {
  assign: 'assignments:AssignDoctor',
  end: 'assignments:EndAssignment',
  list: 'assignments:ListAssignments',
  myPatients: 'assignments:ListMyPatients',
} as const;

export interface AssignmentEpisode {
  assignedAt: string;
  assignedBy: string;
  endedAt?: string;
  endedBy?: string;
}

export interface Assignment {
  patientId: string;
  doctorId: string;
  active: boolean;
  episodes: AssignmentEpisode[];
}

export interface Page<T> {
  items: T[];
  bookmark: string;
}

/** The consortium's directory (chaincode/src/contracts/directory.ts) and what name lookups read. */
export const DIRECTORY = {
  publishDoctor: 'directory:PublishDoctor',
  listDoctors: 'directory:ListDoctors',
  hospitalCounts: 'directory:ListHospitalCounts',
  listHospitals: 'hospitals:ListHospitals',
  grantsToMe: 'consent:ListGrantsToMe',
} as const;
