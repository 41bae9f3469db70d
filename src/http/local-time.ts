const LOCAL = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2})(:\d{2}(?:\.\d{1,3})?)?$/;
/** The widest offsets in use: UTC-12:00 to UTC+14:00. */
const MAX_OFFSET_MINUTES = 14 * 60;

/**
 * A datetime-local field's value ("2026-12-24T18:00", the writer's wall
 * clock) as an ISO-8601 time with its offset, given the writer's offset from
 * UTC in minutes east (what app.js sends beside the field; +60 in Paris in
 * winter). Without an offset (no scripts ran) the time is read as UTC, and
 * the form says so. Empty is undefined; anything else is passed on as typed,
 * for the draft check to refuse by name.
 */
export function instantFromLocal(local: string, offsetMinutes: string | undefined): string | undefined {
  const value = local.trim();
  if (value === "") return undefined;
  const match = LOCAL.exec(value);
  if (!match) return value;
  const minutes = /^[+-]?\d{1,3}$/.test(offsetMinutes ?? "") ? Number(offsetMinutes) : 0;
  const offset = Math.abs(minutes) <= MAX_OFFSET_MINUTES ? minutes : 0;
  const sign = offset < 0 ? "-" : "+";
  const hours = String(Math.floor(Math.abs(offset) / 60)).padStart(2, "0");
  const rest = String(Math.abs(offset) % 60).padStart(2, "0");
  return `${match[1]}${match[2] ?? ":00"}${offset === 0 ? "Z" : `${sign}${hours}:${rest}`}`;
}
