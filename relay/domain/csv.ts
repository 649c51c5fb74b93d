/**
 * One CSV line (RFC 4180: a field with a comma, a quote or a line break is quoted, its quotes doubled), ended by CRLF.
 * A field a spreadsheet would run as a formula (starting = + - @, a tab or a carriage return) is kept as text by a
 * leading apostrophe (OWASP, "CSV Injection"): labels and extension names come from reports, which anyone with the
 * enrollment token writes.
 */
export function csvLine(fields: readonly (string | number | boolean)[]): string {
  return `${fields.map((f) => csvField(String(f))).join(',')}\r\n`;
}

function csvField(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}
