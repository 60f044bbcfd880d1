// Ledger failures in the catalogue's terms. The chaincode throws "CODE: message"; Fabric wraps it
// ("chaincode response 500, ACCESS_DENIED: ...") in the gRPC status details of each endorser.
// An unreachable or timed-out peer is LEDGER_UNAVAILABLE; a transaction that committed invalid
// (e.g. an MVCC conflict with a concurrent write) is CONFLICT.
import { status as GrpcStatus } from '@grpc/grpc-js';
import { CommitError, GatewayError } from '@hyperledger/fabric-gateway';
import { CodedError, codeInMessage } from '@ehr/common';

const UNAVAILABLE = new Set<number>([
  GrpcStatus.UNAVAILABLE,
  GrpcStatus.DEADLINE_EXCEEDED,
  GrpcStatus.CANCELLED,
]);

/** The chaincode's own words after its code, e.g. "no grant for this record". */
function messageAfterCode(text: string, code: string): string | undefined {
  const i = text.indexOf(`${code}: `);
  if (i < 0) return undefined;
  const rest = text.slice(i + code.length + 2).trim();
  return rest.length ? rest : undefined;
}

export function mapLedgerError(err: unknown): CodedError {
  if (err instanceof CodedError) return err;
  if (err instanceof GatewayError) {
    const texts = [...err.details.map((d) => d.message), err.message];
    for (const text of texts) {
      const code = codeInMessage(text);
      if (code) return new CodedError(code, messageAfterCode(text, code));
    }
    if (UNAVAILABLE.has(err.code)) return new CodedError('LEDGER_UNAVAILABLE');
    const refused = new CodedError('INTERNAL', 'The ledger refused the transaction.', {
      grpcStatus: err.code,
    });
    refused.cause = err; // the peers' own words, for the logs; the answer keeps to the catalogue's
    return refused;
  }
  if (err instanceof CommitError) {
    return new CodedError('CONFLICT', 'The ledger changed meanwhile. Please try again.', {
      validationCode: err.code,
    });
  }
  if (
    err &&
    typeof err === 'object' &&
    'code' in err &&
    UNAVAILABLE.has((err as { code: number }).code)
  ) {
    return new CodedError('LEDGER_UNAVAILABLE');
  }
  return new CodedError('INTERNAL');
}
