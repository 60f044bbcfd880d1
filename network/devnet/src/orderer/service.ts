// The orderer's gRPC service, orderer.AtomicBroadcast: Broadcast answers each envelope with a
// BroadcastResponse (SUCCESS once accepted for ordering, or Fabric's refusal status and info),
// Deliver serves the channel's blocks to readers of /Channel/Readers.
import type { ServerDuplexStream } from '@grpc/grpc-js';
import { common, orderer } from '@hyperledger/fabric-protos';
import { serveDeliverStream, type DeliverSource } from '../deliver/deliver';
import { BroadcastRefusedError } from '../interfaces';
import type { DevnetOrderer } from './orderer';

type Status = common.StatusMap[keyof common.StatusMap];

function broadcastResponse(status: number, info = ''): orderer.BroadcastResponse {
  const r = new orderer.BroadcastResponse();
  r.setStatus(status as Status);
  r.setInfo(info);
  return r;
}

export function atomicBroadcastHandlers(
  ord: DevnetOrderer,
  source: DeliverSource,
  log?: (msg: string, data?: object) => void,
) {
  return {
    /** Requests arrive as raw bytes (main.ts registers Broadcast without decoding them). */
    broadcast: (call: ServerDuplexStream<Buffer, orderer.BroadcastResponse>) => {
      // Responses keep the order of the requests, as Fabric's handler answers one at a time.
      let chain = Promise.resolve();
      call.on('data', (envelope: Buffer) => {
        chain = chain.then(async () => {
          try {
            await ord.broadcast(envelope);
            call.write(broadcastResponse(common.Status.SUCCESS));
          } catch (e) {
            if (e instanceof BroadcastRefusedError) call.write(broadcastResponse(e.status, e.info));
            else {
              log?.('broadcast failed', { error: (e as Error).message });
              call.write(
                broadcastResponse(common.Status.INTERNAL_SERVER_ERROR, (e as Error).message),
              );
            }
          }
        });
      });
      call.on('end', () => void chain.then(() => call.end()));
    },
    deliver: (call: ServerDuplexStream<common.Envelope, orderer.DeliverResponse>) =>
      void serveDeliverStream(
        { ...source, readersPolicy: '/Channel/Readers' },
        call,
        (block) => {
          const r = new orderer.DeliverResponse();
          r.setBlock(block);
          return r;
        },
        (status) => {
          const r = new orderer.DeliverResponse();
          r.setStatus(status as Status);
          return r;
        },
      ),
  };
}
