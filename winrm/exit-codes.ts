/**
 * homelab-winrm's exit codes, one table (documented in winrm/README.md and the README).
 * A script's own exit code is never passed through: Linux keeps only its low 8 bits (1603 would
 * read as 67, 259 as 3) and it could collide with the CLI's own codes; the real code is printed
 * on the last stderr line instead. The numbers are the project's one table (cli/exit-codes.ts).
 */
import { EXIT } from "../cli/exit-codes";

/** The script succeeded: exit 0, or 3010/1641 and the reboot it asked for completed. */
export const EXIT_OK = EXIT.ok;
/** The script failed with any other exit code. */
export const EXIT_SCRIPT_FAILED = EXIT.failed;
/** Usage or configuration error (bad flags, missing WINRM_PASSWORD, unreadable script). */
export const EXIT_USAGE = EXIT.usage;
/** HTTP 401 after the handshake, still refused after --auth-retry. */
export const EXIT_AUTH = EXIT.config;
/** Timeout, unreachable host, or a connection that broke. */
export const EXIT_TIMEOUT = EXIT.environment;
/** Any other WinRM or protocol error (faults, unexpected HTTP status). */
export const EXIT_PROTOCOL = EXIT.runtime;
/**
 * homelab-winrm only, with --max-runs N above 1: every one of the N runs exited 3010/1641 (the last
 * reboot was done too), so the script never reached "done". Not 3: that is the config row.
 */
export const EXIT_STILL_ASKS_FOR_REBOOT = 6;
