// gRPC errors as Fabric's gateway returns them: a status code, a message, and in the
// grpc-status-details-bin trailer a google.rpc.Status whose details are gateway.ErrorDetail
// (one per endorser or orderer that failed) — what fabric-gateway's GatewayError reads.
import { Metadata, status as Code, type ServiceError } from '@grpc/grpc-js';
import { gateway, google } from '@hyperledger/fabric-protos';
import { Any } from 'google-protobuf/google/protobuf/any_pb';

export { Code };

export interface EndpointError {
  address: string;
  mspId: string;
  message: string;
}

export class RpcError extends Error implements Partial<ServiceError> {
  override name = 'RpcError';
  readonly metadata: Metadata;
  readonly details: string;

  constructor(
    readonly code: Code,
    message: string,
    readonly endpointErrors: EndpointError[] = [],
  ) {
    super(message);
    this.details = message;
    this.metadata = new Metadata();
    if (endpointErrors.length) {
      const st = new google.rpc.Status();
      st.setCode(code);
      st.setMessage(message);
      st.setDetailsList(
        endpointErrors.map((e) => {
          const d = new gateway.ErrorDetail();
          d.setAddress(e.address);
          d.setMspId(e.mspId);
          d.setMessage(e.message);
          const any = new Any();
          any.pack(d.serializeBinary(), 'gateway.ErrorDetail');
          return any;
        }),
      );
      this.metadata.set('grpc-status-details-bin', Buffer.from(st.serializeBinary()));
    }
  }
}

/** The object grpc-js expects as a call's error. */
export function toServiceError(err: unknown): Partial<ServiceError> {
  if (err instanceof RpcError)
    return { code: err.code, details: err.details, metadata: err.metadata, message: err.message };
  return { code: Code.INTERNAL, details: (err as Error)?.message ?? String(err) };
}
