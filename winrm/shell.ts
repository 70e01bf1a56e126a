/**
 * Windows Remote Shell operations (MS-WSMV 3.1.4.11-3.1.4.16) and a PowerShell run on top:
 * the script travels through stdin in envelope-sized Send chunks, so its size is bounded only
 * by time, never by the 8191-character command line.
 */
import { StringDecoder } from "string_decoder";
import { WsmanClient } from "./client";
import {
  commandEnvelope,
  createShellEnvelope,
  deleteShellEnvelope,
  parseCommandId,
  parseReceiveResponse,
  parseShellId,
  receiveEnvelope,
  sendEnvelope,
  signalEnvelope,
  stdinChunkSize,
} from "./envelope";
import { TimeoutError, TransportError, WinRmError } from "./errors";
import { WsmanFault } from "./faults";
import { POWERSHELL_ARGS, POWERSHELL_COMMAND } from "./powershell-stdin";

/** cmd.exe's limit, which WinRS applies to Command + Arguments. */
export const MAX_COMMAND_LINE = 8191;

export interface OutputHandlers {
  onStdout?: (text: string) => void;
  onStderr?: (text: string) => void;
  /** Called for every w:TimedOut answer to a Receive (the loop goes on). */
  onTimedOut?: () => void;
}

export class RemoteShell {
  private gone = false;

  private constructor(
    private readonly client: WsmanClient,
    readonly id: string,
  ) {}

  get abandoned(): boolean {
    return this.gone;
  }

  /** Marks the shell as unreachable so no Delete is attempted. */
  markAbandoned(): void {
    this.gone = true;
  }

  static async open(client: WsmanClient): Promise<RemoteShell> {
    const env = await client.invoke(createShellEnvelope(client.header(), { codepage: 65001, noProfile: true }));
    return new RemoteShell(client, parseShellId(env));
  }

  async command(command: string, args: readonly string[]): Promise<string> {
    const line = [command, ...args].join(" ");
    if (line.length > MAX_COMMAND_LINE) {
      throw new WinRmError(`command line of ${line.length} characters exceeds the ${MAX_COMMAND_LINE}-character limit; send the script through stdin`);
    }
    return parseCommandId(await this.client.invoke(commandEnvelope(this.client.header(), this.id, command, args)));
  }

  /** Sends all of data as stdin, in chunks that keep each envelope under MaxEnvelopeSize. */
  async sendInput(commandId: string, data: Buffer, end: boolean): Promise<void> {
    const size = stdinChunkSize(this.client.maxEnvelopeSize);
    if (data.length === 0) {
      if (end) await this.client.invoke(sendEnvelope(this.client.header(), this.id, commandId, data, true));
      return;
    }
    for (let at = 0; at < data.length; at += size) {
      const chunk = data.subarray(at, at + size);
      const last = at + size >= data.length;
      await this.client.invoke(sendEnvelope(this.client.header(), this.id, commandId, chunk, end && last));
    }
  }

  /**
   * Receives until the command is Done and returns its exit code. Output is decoded per stream
   * with a UTF-8 decoder that keeps incomplete characters across chunks and responses.
   */
  async receiveUntilDone(commandId: string, handlers: OutputHandlers, deadline: number): Promise<number> {
    const decoders: Record<string, StringDecoder> = { stdout: new StringDecoder("utf8"), stderr: new StringDecoder("utf8") };
    const emit = (name: string, textOut: string): void => {
      if (!textOut) return;
      if (name === "stderr") handlers.onStderr?.(textOut);
      else handlers.onStdout?.(textOut);
    };
    for (;;) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new TimeoutError(`command ${commandId} on ${this.client.host} did not finish before the deadline`);
      let result;
      try {
        result = parseReceiveResponse(
          await this.client.invoke(receiveEnvelope(this.client.header(), this.id, commandId), Math.min(remaining, this.client.requestTimeoutMs)),
        );
      } catch (e) {
        if (e instanceof WsmanFault && e.isTimedOut) {
          handlers.onTimedOut?.();
          continue;
        }
        throw e;
      }
      for (const s of result.streams) {
        const d = decoders[s.name];
        if (!d) continue;
        if (s.data.length) emit(s.name, d.write(s.data));
        if (s.end) emit(s.name, d.end());
      }
      if (result.done) {
        for (const [name, d] of Object.entries(decoders)) emit(name, d.end());
        return result.exitCode ?? 0;
      }
    }
  }

  async signalTerminate(commandId: string, timeoutMs?: number): Promise<void> {
    await this.client.invoke(signalEnvelope(this.client.header(), this.id, commandId), timeoutMs);
  }

  async close(timeoutMs?: number): Promise<void> {
    await this.client.invoke(deleteShellEnvelope(this.client.header(), this.id), timeoutMs);
  }
}

const CLEANUP_TIMEOUT_MS = 5000;

/** Whether the connection is still worth a cleanup request after this error. */
function connectionAlive(err: unknown): boolean {
  return !(err instanceof TransportError || err instanceof TimeoutError);
}

/**
 * Runs the bootstrap (powershell-stdin.ts) with `stdin` (from buildStdin) in a fresh shell and returns the exit code.
 * The shell is deleted afterwards; on failure the command is terminated first (best effort,
 * bounded) unless the connection itself is gone.
 */
export async function runPowerShell(client: WsmanClient, stdin: Buffer, handlers: OutputHandlers, deadline: number): Promise<number> {
  const shell = await RemoteShell.open(client);
  let commandId: string | undefined;
  try {
    commandId = await shell.command(POWERSHELL_COMMAND, POWERSHELL_ARGS);
    await shell.sendInput(commandId, stdin, true);
    const code = await shell.receiveUntilDone(commandId, handlers, deadline);
    commandId = undefined;
    return code;
  } catch (e) {
    if (commandId && connectionAlive(e)) await shell.signalTerminate(commandId, CLEANUP_TIMEOUT_MS).catch(() => undefined);
    if (!connectionAlive(e)) {
      // The shell is unreachable; Windows reaps it after its IdleTimeout.
      shell.markAbandoned();
    }
    throw e;
  } finally {
    if (!shell.abandoned) await shell.close(CLEANUP_TIMEOUT_MS).catch(() => undefined);
  }
}
