/**
 * Error classes callers branch on. Messages name the host (and user where it matters) so a phase
 * log line is enough to act on; none of them ever carries a password or an Authorization header.
 */
export class WinRmError extends Error {
  override name = "WinRmError";
}

/** HTTP 401 after a complete handshake: the credentials (or the account's rights) are wrong. */
export class AuthenticationError extends WinRmError {
  override name = "AuthenticationError";
}

/** The connection could not be made, or broke (refused, reset, closed mid-response, TLS failure). */
export class TransportError extends WinRmError {
  override name = "TransportError";
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

/** A bounded wait ran out. */
export class TimeoutError extends WinRmError {
  override name = "TimeoutError";
}

/** An HTTP status the protocol does not expect. */
export class HttpStatusError extends WinRmError {
  override name = "HttpStatusError";
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** HTTP 413: the envelope exceeded the service's MaxEnvelopeSizekb. */
export class EnvelopeTooLargeError extends HttpStatusError {
  override name = "EnvelopeTooLargeError";
}

/** The caller asked for something we refuse to do (e.g. Basic over plain HTTP without opting in). */
export class ConfigurationError extends WinRmError {
  override name = "ConfigurationError";
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
