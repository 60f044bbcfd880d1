// The federation port: this hospital's doctors' names and specialties for the OTHER member
// hospitals' gateways, over mutual TLS with the certificates the hospitals' CAs issue. The TLS
// handshake accepts only client certificates that chain to a TLS CA of a current member (the
// channel configuration, re-read when it may have changed); the request is then refused unless
// the certificate is a gateway identity (CN, client auth) of another member than this one.
// Answers: the active doctors the ledger lists for this hospital, as this hospital's accounts
// name them. Nothing else: no phone, e-mail, government ID, nothing about patients.
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { GatewayContext } from '../../http/context';
import { isAccountId } from '../../accounts/accounts';
import { professionalIdentity } from '../doctor-directory';
import { issuingMember, type ConsortiumMembers, type MemberRoots } from './members';
import { FEDERATION_DOCTORS_PATH, GATEWAY_IDENTITY_CN, type FederatedDoctors } from './protocol';

/** OID of TLS client authentication in extended key usage. */
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

const sameRoots = (a: MemberRoots | undefined, b: MemberRoots) =>
  !!a && JSON.stringify([...a].sort()) === JSON.stringify([...b].sort());

/** The calling member's MSP id, or why it is refused. */
export function callerMsp(
  roots: MemberRoots,
  ownMsp: string,
  cert: X509Certificate | undefined,
): { mspId: string } | { refused: string } {
  if (!cert) return { refused: 'no client certificate' };
  const mspId = issuingMember(roots, cert);
  if (!mspId) return { refused: 'not issued by a member hospital' };
  if (mspId === ownMsp) return { refused: 'this hospital itself' };
  if (!cert.subject.split('\n').includes(`CN=${GATEWAY_IDENTITY_CN}`))
    return { refused: 'not a gateway identity' };
  if (!(cert.keyUsage ?? []).includes(CLIENT_AUTH))
    return { refused: 'not a TLS client certificate' };
  return { mspId };
}

export class FederationServer {
  private server: Server | undefined;
  private trusted: MemberRoots | undefined;

  constructor(
    private readonly ctx: GatewayContext,
    private readonly members: ConsortiumMembers,
  ) {}

  private tlsOptions(roots: MemberRoots) {
    const { federation } = this.ctx.config;
    return {
      key: readFileSync(federation.tlsKeyFile),
      cert: readFileSync(federation.tlsCertFile),
      // Only the members' CAs: a certificate from any other CA fails the handshake.
      ca: [...roots.values()].flat(),
    };
  }

  /** Re-reads the members (rate-limited) and gives the TLS layer their CAs when they changed. */
  private async trustMembers(): Promise<MemberRoots> {
    const roots = await this.members.current();
    if (!sameRoots(this.trusted, roots)) {
      this.server?.setSecureContext(this.tlsOptions(roots));
      this.trusted = roots;
    }
    return roots;
  }

  private async answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify(body));
    };
    const url = new URL(req.url ?? '/', 'https://federation');
    if (req.method !== 'GET' || url.pathname !== FEDERATION_DOCTORS_PATH)
      return send(404, { code: 'NOT_FOUND' });
    const socket = req.socket as TLSSocket;
    const raw = socket.getPeerCertificate().raw;
    const roots = await this.trustMembers();
    const who = callerMsp(
      roots,
      this.ctx.config.hospital.mspId,
      raw ? new X509Certificate(raw) : undefined,
    );
    if ('refused' in who) {
      this.ctx.log.warn({ reason: who.refused }, 'federation request refused');
      return send(403, { code: 'ACCESS_DENIED' });
    }
    const body: FederatedDoctors = {
      mspId: this.ctx.config.hospital.mspId,
      doctors: await this.activeDoctors(),
    };
    this.ctx.log.debug({ caller: who.mspId, doctors: body.doctors.length }, 'federation answered');
    send(200, body);
  }

  /** Active doctors the ledger lists for this hospital, named from this hospital's accounts. */
  private async activeDoctors(): Promise<FederatedDoctors['doctors']> {
    const mspId = this.ctx.config.hospital.mspId;
    const listed = (await this.ctx.directory!.ledgerEntries(mspId)).filter((d) => d.active);
    const uids = listed.map((d) => d.doctorId.slice(mspId.length + 1)).filter(isAccountId);
    if (!uids.length) return [];
    const users = await this.ctx.db.models.User.findAll({
      where: { id: uids, role: 'doctor', disabledAt: null },
    });
    return users.map((u) => ({ doctorId: `${mspId}/${u.id}`, ...professionalIdentity(u) }));
  }

  /** Listens on network.yaml's federation port (port 0: any, for tests); resolves to the port. */
  async listen(port = this.ctx.config.federation.port): Promise<number> {
    const roots = await this.members.current().catch((e: unknown) => {
      // The ledger may come up after the gateway: nobody is trusted until it answers.
      this.ctx.log.warn({ err: (e as Error).message }, 'consortium members not read yet');
      return new Map<string, string[]>();
    });
    const server = createServer(
      {
        ...this.tlsOptions(roots),
        requestCert: true,
        rejectUnauthorized: true,
        minVersion: 'TLSv1.2',
      },
      (req, res) => {
        this.answer(req, res).catch((e: unknown) => {
          // The code and details (e.g. the peer's gRPC status) say why, not only the words.
          const { message, code, details, cause } = e as Error & {
            code?: string;
            details?: unknown;
          };
          const peers = cause as (Error & { details?: { message: string }[] }) | undefined;
          const why = peers && [peers.message, ...(peers.details ?? []).map((d) => d.message)];
          this.ctx.log.warn({ err: message, code, details, why }, 'federation request failed');
          if (!res.headersSent) res.writeHead(503, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ code: 'LEDGER_UNAVAILABLE' }));
        });
      },
    );
    this.trusted = roots;
    // A refused handshake may come from a hospital that just joined: re-read the members (the
    // read is rate-limited), so its next attempt succeeds.
    server.on('tlsClientError', () => void this.trustMembers().catch(() => undefined));
    this.server = server;
    const host = this.ctx.config.federation.host;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    return (server.address() as { port: number }).port;
  }

  close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return Promise.resolve();
    server.closeAllConnections();
    return new Promise((resolve) => server.close(() => resolve()));
  }
}
