import { Metadata, status } from '@grpc/grpc-js';
import { CommitError, GatewayError } from '@hyperledger/fabric-gateway';
import { mapLedgerError } from '../src/ledger/errors';

const grpcError = (code: number, message: string) =>
  Object.assign(new Error(message), { code, details: message, metadata: new Metadata() });

describe('ledger errors in catalogue terms', () => {
  it("maps a chaincode refusal to its code, status and the chaincode's words", () => {
    const err = new GatewayError({
      code: status.ABORTED,
      message: '10 ABORTED: failed to endorse transaction',
      details: [
        {
          address: 'peer0:7151',
          mspId: 'Hospital1MSP',
          message: 'chaincode response 500, FORBIDDEN_ROLE: role admin may not do this',
        },
      ],
      cause: grpcError(status.ABORTED, 'failed to endorse transaction'),
    });
    const mapped = mapLedgerError(err);
    expect(mapped.code).toBe('FORBIDDEN_ROLE');
    expect(mapped.status).toBe(403);
    expect(mapped.message).toBe('role admin may not do this');
  });

  it('maps an unreachable peer to LEDGER_UNAVAILABLE (503)', () => {
    const err = new GatewayError({
      code: status.UNAVAILABLE,
      message: '14 UNAVAILABLE: No connection established',
      details: [],
      cause: grpcError(status.UNAVAILABLE, 'No connection established'),
    });
    expect(mapLedgerError(err)).toMatchObject({ code: 'LEDGER_UNAVAILABLE', status: 503 });
  });

  it('maps an invalid commit (e.g. MVCC conflict) to CONFLICT', () => {
    const err = new CommitError({ code: 11, transactionId: 'tx1', message: 'MVCC_READ_CONFLICT' });
    expect(mapLedgerError(err)).toMatchObject({ code: 'CONFLICT', status: 409 });
  });

  it('never passes an unknown failure through as success or with its internals', () => {
    const mapped = mapLedgerError(new Error('secret internals'));
    expect(mapped.code).toBe('INTERNAL');
    expect(mapped.message).not.toContain('secret');
  });
});
