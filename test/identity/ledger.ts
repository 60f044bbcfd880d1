// The ledger state identity tests need: the hospital registered as a member (the chaincode
// refuses people of unregistered hospitals). Keeps the key the stack registered; otherwise
// registers one, as the chaincode suite does.
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import type { Hospital, Network } from '@ehr/network';
import { enrollTestUser } from '../support';
import { PeerClients, call } from '../chaincode/ledger-client';

export async function ensureHospitalRegistered(net: Network, h: Hospital): Promise<void> {
  const clients = new PeerClients(net);
  try {
    const admin = await enrollTestUser(net, h, { role: 'admin' });
    const contract = clients.contract(clients.gateway(h, admin));
    if ((await call(contract, 'hospitals:GetHospital', [h.mspId])).ok) return;
    const { publicKey } = generateKeyPairSync('ec', {
      namedCurve: 'P-256',
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    });
    const request = {
      mspId: h.mspId,
      displayName: h.displayName ?? h.name,
      keyId: `test-${randomUUID()}`,
      algorithm: 'ECIES-P256',
      publicKeyPem: publicKey,
    };
    const r = await call(contract, 'hospitals:RegisterHospital', [JSON.stringify(request)]);
    if (!r.ok && r.code !== 'ALREADY_EXISTS') throw new Error(`RegisterHospital: ${r.code}`);
  } finally {
    clients.close();
  }
}
