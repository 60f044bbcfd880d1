// The chaincode: fabric-contract-api loads `contracts` from package.json's main. Transactions
// are addressed `<contract>:<Transaction>` (see api.ts).
import { AccessContract } from './contracts/access';
import { AssignmentsContract } from './contracts/assignments';
import { ConsentContract } from './contracts/consent';
import { DirectoryContract } from './contracts/directory';
import { HospitalsContract } from './contracts/hospitals';
import { RecordsContract } from './contracts/records';

export {
  AccessContract,
  AssignmentsContract,
  ConsentContract,
  DirectoryContract,
  HospitalsContract,
  RecordsContract,
};
export const contracts = [
  HospitalsContract,
  AssignmentsContract,
  RecordsContract,
  ConsentContract,
  AccessContract,
  DirectoryContract,
];
export * from './api';
export * as authzMatrix from './authz-matrix';
