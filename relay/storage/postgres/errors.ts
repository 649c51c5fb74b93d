/**
 * Whether `err` says the database could not be reached or went away (refused, reset, timed out, shut down, restarting),
 * as opposed to a query it refused: the request is answered 503 and the browser sends its report again.
 * SQLSTATE classes 08 (connection exception) and 57P (operator intervention: shutdown, restart), and 53300 (too many
 * connections); pg's own errors for a connection that ended or never came carry no code, only their message.
 */
export function databaseUnavailable(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string') {
    return (
      code.startsWith('08') ||
      code.startsWith('57P') ||
      code === '53300' ||
      ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE'].includes(code)
    );
  }
  const message = err instanceof Error ? err.message : '';
  return /^Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection terminated unexpectedly/.test(
    message,
  );
}
