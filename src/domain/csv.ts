import type { PollResults } from "./tallies.ts";

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, a quote or a line
 * break. Text that a spreadsheet would run as a formula (starting with =, +,
 * -, @, a tab or a carriage return) gets a leading apostrophe first (OWASP's
 * advice), so a hostile label stays text. Numbers are written as they are.
 */
export function csvField(value: string | number): string {
  if (typeof value === "number") return String(value);
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** A CSV document: a header line, then one line per row, CRLF line ends. */
export function toCsv(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  return [header, ...rows].map(csvLine).join("");
}

/** One CSV line, CRLF ended. */
function csvLine(row: readonly (string | number)[]): string {
  return `${row.map(csvField).join(",")}\r\n`;
}

/** `results.csv`: one line per option, in the poll's order. */
export function resultsCsv(results: PollResults): string {
  return toCsv(
    ["option_id", "label", "votes", "percent"],
    results.options.map((option) => [option.id, option.label, option.votes, option.percent]),
  );
}

/** One voter's current ballot, as the export shows it: the voter as a salted hash, never their id. */
export interface BallotRow {
  voter: string;
  option: string;
  castAt: string;
}

const BALLOTS_HEADER = ["voter", "option_id", "cast_at"] as const;

/** `ballots.csv`, one line per voter, the voter as a salted hash: the header, then each chunk of rows as they come. */
export async function* ballotsCsvChunks(chunks: AsyncIterable<readonly BallotRow[]>): AsyncGenerator<string> {
  yield csvLine(BALLOTS_HEADER);
  for await (const rows of chunks) if (rows.length > 0) yield ballotLines(rows);
}

function ballotLines(rows: readonly BallotRow[]): string {
  return rows.map((row) => csvLine([row.voter, row.option, row.castAt])).join("");
}
