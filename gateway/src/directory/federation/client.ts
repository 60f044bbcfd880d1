// Asks one member hospital's gateway for its doctors' names, over mutual TLS: this gateway shows
// its own certificate, and accepts only a server certificate from that member's own TLS CA (as the
// channel configuration names it). The answer must match the protocol exactly and speak only of
// that member's doctors; anything else is refused.
import { request } from 'node:https';
import { FEDERATION_DOCTORS_PATH, FederatedDoctors, type FederatedDoctor } from './protocol';

const MAX_ANSWER_BYTES = 16 * 1024 * 1024;

export interface FederationTls {
  cert: Buffer;
  key: Buffer;
}

export function fetchMemberDoctors(
  baseUrl: string,
  mspId: string,
  memberRoots: string[],
  tls: FederationTls,
  timeoutMs: number,
): Promise<FederatedDoctor[]> {
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(FEDERATION_DOCTORS_PATH, `${baseUrl}/`),
      {
        method: 'GET',
        headers: { accept: 'application/json' },
        ca: memberRoots,
        cert: tls.cert,
        key: tls.key,
        agent: false,
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_ANSWER_BYTES) req.destroy(new Error('answer too large'));
          else chunks.push(c);
        });
        res.on('end', () => {
          if (res.statusCode !== 200)
            return reject(new Error(`${mspId} answered ${res.statusCode}`));
          try {
            const answer = FederatedDoctors.parse(
              JSON.parse(Buffer.concat(chunks).toString('utf8')),
            );
            if (
              answer.mspId !== mspId ||
              answer.doctors.some((d) => !d.doctorId.startsWith(`${mspId}/`))
            )
              throw new Error(`${mspId} answered for another hospital`);
            resolve(answer.doctors);
          } catch (e) {
            reject(e instanceof Error ? e : new Error(String(e)));
          }
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${mspId} did not answer in ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}
