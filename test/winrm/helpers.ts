/** Shared helpers for the winrm tests (test support). */
import { execFile } from "child_process";
import { mkdtempSync, readFileSync, rmSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { promisify } from "util";
import { ClientOptions } from "../../winrm/client";
import { WinRmTestServer } from "./server";

export function clientFor(server: WinRmTestServer, extra: Partial<ClientOptions> = {}): ClientOptions {
  return { host: "127.0.0.1", port: server.port, user: server.user, password: server.password, operationTimeoutSec: 5, ...extra };
}

export interface SelfSignedCert {
  key: string;
  cert: string;
  certFile: string;
  cleanup: () => void;
}

/** A throwaway certificate for 127.0.0.1 made with the openssl CLI, or undefined without it. */
export async function makeSelfSignedCert(): Promise<SelfSignedCert | undefined> {
  const dir = mkdtempSync(join(tmpdir(), "winrm-cert-"));
  const keyFile = join(dir, "key.pem");
  const certFile = join(dir, "cert.pem");
  try {
    await promisify(execFile)(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        keyFile,
        "-out",
        certFile,
        "-days",
        "1",
        "-subj",
        "/CN=127.0.0.1",
        "-addext",
        "subjectAltName=IP:127.0.0.1",
      ],
      { timeout: 20000 },
    );
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
  return {
    key: readFileSync(keyFile, "utf8"),
    cert: readFileSync(certFile, "utf8"),
    certFile,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
