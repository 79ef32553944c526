// The --expires value of build: a date means the end of that day in UTC; a full UTC time is kept.
import { ServicePackError } from '../errors/index.js';
import { isExpiryTime } from '../format/manifest-parse.js';

/** The manifest's `expires` for a user-given date or time; USAGE for anything else. */
export function normalizeExpiry(value: string): string {
  const candidate = /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T23:59:59Z` : value;
  if (!isExpiryTime(candidate)) {
    throw new ServicePackError('USAGE', `--expires ${JSON.stringify(value)} is not a date (YYYY-MM-DD) or UTC time (YYYY-MM-DDTHH:MM:SSZ)`, {
      hint: 'For example --expires 2026-12-31 (the pack is refused from 2027-01-01T00:00:00Z on).',
      details: { argument: 'expires' },
    });
  }
  return candidate;
}
