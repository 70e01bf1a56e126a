/**
 * homelab-winrm's exit codes, one table (documented in winrm/README.md and the README).
 * A script's own exit code is never passed through: Linux keeps only its low 8 bits (1603 would
 * read as 67, 259 as 3) and it could collide with the CLI's own codes; the real code is printed
 * on the last stderr line instead.
 */
/** The script succeeded: exit 0, or 3010/1641 and the reboot it asked for completed. */
export const EXIT_OK = 0;
/** The script failed with any other exit code. */
export const EXIT_SCRIPT_FAILED = 1;
/** Usage or configuration error (bad flags, missing WINRM_PASSWORD, unreadable script). */
export const EXIT_USAGE = 2;
/** HTTP 401 after the handshake, still refused after --auth-retry. */
export const EXIT_AUTH = 3;
/** Timeout, unreachable host, or a connection that broke. */
export const EXIT_TIMEOUT = 4;
/** Any other WinRM or protocol error (faults, unexpected HTTP status). */
export const EXIT_PROTOCOL = 5;
