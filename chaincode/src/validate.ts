// Argument validation. Every transaction takes string arguments; structured ones are JSON
// objects checked against a strict zod schema (unknown fields are refused, so nothing the
// chaincode does not understand — e.g. a name smuggled in by a gateway — is accepted). Each
// problem maps to a stable catalogue code; the first problem found is reported.
import { isErrorCode, type ErrorCode } from '@ehr/common';
import { z } from 'zod';
import { isCid } from './cid';
import { fail } from './errors';
import { PERSON_ID } from './identity';

/** Largest JSON argument accepted (a grant over many records carries many wrapped keys). */
export const MAX_JSON_ARGUMENT = 512 * 1024;

const coded = (code: ErrorCode) => ({ params: { code } });

export const ID = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/);
export const MSP = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z][A-Za-z0-9]*MSP$/);
export const PERSON = z.string().min(1).max(130).regex(PERSON_ID);
export const SHA256_HEX = z
  .string()
  .min(1)
  .max(64)
  .refine((v) => /^[0-9a-f]{64}$/.test(v), coded('INVALID_HASH'));
export const CID = z.string().min(1).max(128).refine(isCid, coded('INVALID_CID'));
export const BASE64_BLOB = z
  .string()
  .min(1)
  .max(4096)
  .regex(/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/);
/** A hospital's display name: one line of text. */
export const DISPLAY_NAME = z
  .string()
  .min(1)
  .max(200)
  .refine((v) => !hasControlCharacters(v));
/** ISO 8601 UTC; normalised to the ledger's fixed-width form. */
export const ISO_TIME = z
  .string()
  .min(1)
  .max(40)
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/)
  .refine((v) => !Number.isNaN(Date.parse(v)))
  .transform((v) => new Date(Date.parse(v)).toISOString());
export const MEDIA_TYPE = z
  .string()
  .min(1)
  .max(127)
  .regex(/^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/);

/** Whether text holds control characters (newline and tab allowed when `lines`). */
export function hasControlCharacters(text: string, lines = false): boolean {
  for (const ch of text) {
    const c = ch.charCodeAt(0);
    if (lines && (ch === '\n' || ch === '\t')) continue;
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

function codeOf(issue: z.core.$ZodIssue): ErrorCode {
  const input = (issue as { input?: unknown }).input;
  if (issue.code === 'custom') {
    const code = (issue.params as { code?: unknown } | undefined)?.code;
    return isErrorCode(code) ? code : 'INVALID_ARGUMENT';
  }
  if (issue.code === 'invalid_type' && (input === undefined || input === null))
    return 'MISSING_ARGUMENT';
  if (issue.code === 'too_small' && input === '') return 'MISSING_ARGUMENT';
  if (issue.code === 'too_big' && typeof input === 'string') return 'ARGUMENT_TOO_LONG';
  return 'INVALID_ARGUMENT';
}

function fieldOf(path: readonly PropertyKey[], name: string): string {
  return [name, ...path.map(String)].join('.');
}

/** Validates a value; throws the first problem as a coded error naming the field. */
export function check<S extends z.ZodType>(schema: S, value: unknown, name: string): z.output<S> {
  const result = schema.safeParse(value, { reportInput: true });
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field =
    issue.code === 'unrecognized_keys'
      ? `${fieldOf(issue.path, name)}.${issue.keys[0]}`
      : fieldOf(issue.path, name);
  const code = codeOf(issue);
  const what = {
    MISSING_ARGUMENT: 'is required',
    ARGUMENT_TOO_LONG: 'is too long',
    INVALID_CID: 'is not a valid CID',
    INVALID_HASH: 'is not a lowercase hex SHA-256 digest',
  }[code as string];
  fail(
    code,
    `${field} ${what ?? (issue.code === 'unrecognized_keys' ? 'is not a known field' : 'is invalid')}`,
  );
}

export interface ArgSpec {
  required: readonly string[];
  optional?: readonly string[];
}

/** Checks the count of positional string arguments and names them. */
export function positional(
  args: readonly unknown[],
  spec: ArgSpec,
): Record<string, string | undefined> {
  const max = spec.required.length + (spec.optional?.length ?? 0);
  if (args.length < spec.required.length) {
    fail('MISSING_ARGUMENT', `${spec.required[args.length]} is required`);
  }
  if (args.length > max)
    fail('INVALID_ARGUMENT', `expected at most ${max} arguments, got ${args.length}`);
  const names = [...spec.required, ...(spec.optional ?? [])];
  const out: Record<string, string | undefined> = {};
  args.forEach((a, i) => {
    if (typeof a !== 'string') fail('INVALID_ARGUMENT', `${names[i]} must be a string`);
    out[names[i]!] = a === '' && i >= spec.required.length ? undefined : a;
  });
  return out;
}

/** Parses a JSON-object argument and validates it against a strict schema. */
export function jsonArg<S extends z.ZodType>(
  schema: S,
  text: string | undefined,
  name: string,
): z.output<S> {
  if (text === undefined || text === '') fail('MISSING_ARGUMENT', `${name} is required`);
  if (text.length > MAX_JSON_ARGUMENT) fail('ARGUMENT_TOO_LONG', `${name} is too long`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    fail('INVALID_ARGUMENT', `${name} is not valid JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail('INVALID_ARGUMENT', `${name} must be a JSON object`);
  }
  return check(schema, value, name);
}
