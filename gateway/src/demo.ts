// Demo accounts for `npm start` (EHR_DEMO_DATA=true; never in production): per hospital a patient,
// a doctor (with a registry entry) and an auditor. Their passwords are generated once and kept in
// <gateway data dir>/demo-logins.json (0600); the supervisor prints them through demoLogins().
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dataPaths, type Hospital, type Network } from '@ehr/network';
import type { GatewayContext } from './http/context';
import type { Role } from './db/models';

export interface DemoLogin {
  hospital: string;
  role: Role;
  username: string;
  password: string;
}

const FILE = 'demo-logins.json';

/** The demo logins a hospital's gateway created (empty before its first start with demo data). */
export function demoLogins(
  net: Network,
  hospital: Hospital,
  dataDir = dataPaths(net).gateway(hospital),
): DemoLogin[] {
  const file = join(dataDir, FILE);
  if (!existsSync(file)) return [];
  return JSON.parse(readFileSync(file, 'utf8')) as DemoLogin[];
}

export async function ensureDemoAccounts(ctx: GatewayContext): Promise<DemoLogin[]> {
  const { config, db, accounts, log } = ctx;
  if (config.production) throw new Error('demo accounts are refused in production');
  const h = config.hospital;
  const tag = h.name.toLowerCase().replace(/^hospital/, 'h');
  const file = join(config.dataDir, FILE);
  const existing = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as DemoLogin[]) : [];
  const logins: DemoLogin[] = [
    {
      hospital: h.name,
      role: 'admin',
      username: config.bootstrapAdmin.username,
      password: config.bootstrapAdmin.password,
    },
  ];
  const govId = `DEMO-${tag.toUpperCase()}-0001`;
  await db.models.GovRegistryEntry.findOrCreate({
    where: { govId },
    defaults: {
      govId,
      fullName: `Dr. Demo ${h.name}`,
      phone: '+15555550101',
      specialty: 'General medicine',
      importedBy: null,
    },
  });
  const wanted: { role: Role; fullName: string; extra: Record<string, string> }[] = [
    {
      role: 'patient',
      fullName: `Demo Patient (${h.name})`,
      extra: { address: '1 Example Street', phone: '+15555550102' },
    },
    {
      role: 'doctor',
      fullName: `Dr. Demo ${h.name}`,
      extra: { govId, phone: '+15555550101', specialty: 'General medicine' },
    },
    { role: 'auditor', fullName: `Demo Auditor (${h.name})`, extra: {} },
  ];
  for (const w of wanted) {
    const username = `${tag}-${w.role}`;
    const known = existing.find((l) => l.username === username);
    if (known && (await accounts.findLogin(w.role, username))) {
      logins.push(known);
      continue;
    }
    const password = `Demo-${randomBytes(6).toString('base64url')}`;
    await accounts.create({
      role: w.role,
      username,
      email: `${username}@${h.domain}`,
      fullName: w.fullName,
      password,
      ...w.extra,
    });
    logins.push({ hospital: h.name, role: w.role, username, password });
    log.info({ username, role: w.role }, 'demo account created');
  }
  writeFileSync(file, JSON.stringify(logins, null, 2) + '\n', { mode: 0o600 });
  return logins;
}
