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
  return [header, ...rows].map((row) => `${row.map(csvField).join(",")}\r\n`).join("");
}
