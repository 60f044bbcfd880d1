// Import of the government-ID registry (CSV: govId,name,phone,specialty with a header line).
// Every line is checked first; if any is wrong the whole file is refused with one message per
// bad line, and nothing is written. A valid file is written in one transaction (upsert by ID).
import { parse } from 'csv-parse/sync';
import isMobilePhone from 'validator/lib/isMobilePhone';
import { CodedError } from '@ehr/common';
import type { Database } from '../db/database';

export interface RegistryLineError {
  line: number;
  field?: string;
  message: string;
}

export interface RegistryImportResult {
  imported: number;
  created: number;
  updated: number;
}

const HEADER = ['govId', 'name', 'phone', 'specialty'] as const;
// The chaincode accepts these characters in a certificate's govId attribute.
const GOV_ID = /^[A-Za-z0-9-]{1,64}$/;

interface Row {
  govId: string;
  name: string;
  phone: string;
  specialty: string;
}

export function parseRegistryCsv(text: string): { rows: Row[]; errors: RegistryLineError[] } {
  let records: string[][];
  try {
    records = parse(text, {
      bom: true,
      trim: true,
      skip_empty_lines: true,
      relax_column_count: true,
    });
  } catch (e) {
    const line = (e as { lines?: number }).lines;
    return {
      rows: [],
      errors: [{ line: line ?? 0, message: `not valid CSV: ${(e as Error).message}` }],
    };
  }
  const errors: RegistryLineError[] = [];
  const [header, ...body] = records;
  if (
    !header ||
    header.map((h) => h.toLowerCase()).join(',') !== HEADER.map((h) => h.toLowerCase()).join(',')
  ) {
    return {
      rows: [],
      errors: [{ line: 1, message: `the first line must be: ${HEADER.join(',')}` }],
    };
  }
  if (body.length === 0) errors.push({ line: 2, message: 'the file has no entries' });
  const rows: Row[] = [];
  const seen = new Map<string, number>();
  body.forEach((cols, i) => {
    const line = i + 2;
    if (cols.length !== HEADER.length) {
      errors.push({ line, message: `expected ${HEADER.length} columns, found ${cols.length}` });
      return;
    }
    const [govId, name, phone, specialty] = cols as [string, string, string, string];
    const before = errors.length;
    if (!GOV_ID.test(govId))
      errors.push({ line, field: 'govId', message: 'must be 1–64 letters, digits or dashes' });
    else if (seen.has(govId))
      errors.push({ line, field: 'govId', message: `duplicate of line ${seen.get(govId)}` });
    if (!name || name.length > 200)
      errors.push({ line, field: 'name', message: 'must be 1–200 characters' });
    if (!isMobilePhone(phone, 'any', { strictMode: true })) {
      errors.push({
        line,
        field: 'phone',
        message: 'must be a mobile number in international form, e.g. +14155550123',
      });
    }
    if (!specialty || specialty.length > 100)
      errors.push({ line, field: 'specialty', message: 'must be 1–100 characters' });
    seen.set(govId, line);
    if (errors.length === before) rows.push({ govId, name, phone, specialty });
  });
  return { rows, errors };
}

export async function importRegistry(
  db: Database,
  csv: string,
  adminId: string,
): Promise<RegistryImportResult> {
  const { rows, errors } = parseRegistryCsv(csv);
  if (errors.length) {
    throw new CodedError('REGISTRY_CSV_INVALID', undefined, {
      lines: errors.slice(0, 1000),
      errorCount: errors.length,
    });
  }
  const { GovRegistryEntry } = db.models;
  return db.sequelize.transaction(async (t) => {
    const existing = new Set(
      (
        await GovRegistryEntry.findAll({
          attributes: ['govId'],
          where: { govId: rows.map((r) => r.govId) },
          transaction: t,
        })
      ).map((e) => e.govId),
    );
    await GovRegistryEntry.bulkCreate(
      rows.map((r) => ({
        govId: r.govId,
        fullName: r.name,
        phone: r.phone,
        specialty: r.specialty,
        importedBy: adminId,
      })),
      { updateOnDuplicate: ['fullName', 'phone', 'specialty', 'importedBy'], transaction: t },
    );
    const updated = rows.filter((r) => existing.has(r.govId)).length;
    return { imported: rows.length, created: rows.length - updated, updated };
  });
}
