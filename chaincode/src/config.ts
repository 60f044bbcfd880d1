// Deployment configuration of the chaincode server. It must be identical on every endorsing
// peer's chaincode server, or their endorsements differ and transactions fail (closed, not open).

/** MSP ids of the founding hospitals, from EHR_FOUNDING_MEMBERS (comma-separated), sorted. */
export function foundingMembers(): string[] {
  return (process.env.EHR_FOUNDING_MEMBERS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .sort();
}

/** How long a break-glass declaration lasts. */
export const BREAK_GLASS_MILLIS = 24 * 60 * 60 * 1000;
export const BREAK_GLASS_MIN_REASON = 20;
export const BREAK_GLASS_MAX_REASON = 1000;
/** Most records one grant may name (scope 'records'). */
export const MAX_GRANT_RECORDS = 500;
export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 50;
