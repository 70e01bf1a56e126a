/**
 * The HTTP body of an encrypted WinRM message (MS-WSMV 2.2.9.1.1 "Encrypted message format"),
 * for the test double: a MIME multipart/encrypted body with boundary "Encrypted Boundary" whose
 * first part announces the original content type and length and whose second part is
 * application/octet-stream: a 4-byte little-endian signature length, the signature, the sealed data.
 */
import { SealingDirection } from "./ntlm-server";

export const SPNEGO_ENCRYPTED = "application/HTTP-SPNEGO-session-encrypted";
export const MULTIPART_ENCRYPTED = `multipart/encrypted;protocol="${SPNEGO_ENCRYPTED}";boundary="Encrypted Boundary"`;
export const SOAP_UTF8 = "application/soap+xml;charset=UTF-8";

/** HTTP media types compare case-insensitively, parameters in any order, spaces allowed (RFC 9110 8.3.1). */
export function mediaType(header: string | undefined): { type: string; params: Record<string, string> } {
  const [type, ...rest] = (header ?? "").split(";");
  const params: Record<string, string> = {};
  for (const p of rest) {
    const i = p.indexOf("=");
    if (i > 0)
      params[p.slice(0, i).trim().toLowerCase()] = p
        .slice(i + 1)
        .trim()
        .replace(/^"(.*)"$/, "$1");
  }
  return { type: type.trim().toLowerCase(), params };
}

export function isSealedRequest(contentType: string | undefined): boolean {
  const m = mediaType(contentType);
  return m.type === "multipart/encrypted" && m.params.protocol?.toLowerCase() === SPNEGO_ENCRYPTED.toLowerCase();
}

export class FramingError extends Error {}

/** Reads the sealed part by the Length the first part announces: RC4 output may contain the boundary's bytes. */
export function openSealedBody(direction: SealingDirection, body: Buffer): Buffer {
  const text = body.toString("latin1");
  const first = "--Encrypted Boundary\r\n";
  if (!text.startsWith(first)) throw new FramingError("body does not start with --Encrypted Boundary");
  const headerEnd = text.indexOf("--Encrypted Boundary\r\n", first.length);
  if (headerEnd < 0) throw new FramingError("no second part");
  const headers = text.slice(first.length, headerEnd);
  if (!new RegExp(`^\\s*Content-Type:\\s*${SPNEGO_ENCRYPTED}\\s*$`, "im").test(headers)) throw new FramingError(`first part is not ${SPNEGO_ENCRYPTED}`);
  const len = /^\s*OriginalContent:\s*type=[^\r\n]*;Length=(\d+)\s*$/im.exec(headers);
  if (!len) throw new FramingError("first part has no OriginalContent Length");
  const octet = "\tContent-Type: application/octet-stream\r\n";
  const partStart = headerEnd + first.length;
  if (text.slice(partStart, partStart + octet.length) !== octet) throw new FramingError("second part is not application/octet-stream");
  let at = partStart + octet.length;
  const sigLen = body.readUInt32LE(at);
  if (sigLen !== 16) throw new FramingError(`signature length ${sigLen}, not 16`);
  at += 4;
  const length = Number(len[1]);
  if (at + 16 + length > body.length) throw new FramingError("sealed part shorter than its announced Length");
  const rest = body.subarray(at + 16 + length).toString("latin1");
  if (rest !== "--Encrypted Boundary--\r\n") throw new FramingError("body does not end with --Encrypted Boundary--");
  return direction.unseal(body.subarray(at, at + 16), body.subarray(at + 16, at + 16 + length));
}

export function sealBody(direction: SealingDirection, message: Buffer): Buffer {
  const { signature, sealed } = direction.seal(message);
  const len = Buffer.alloc(4);
  len.writeUInt32LE(16);
  return Buffer.concat([
    Buffer.from(
      "--Encrypted Boundary\r\n" +
        `\tContent-Type: ${SPNEGO_ENCRYPTED}\r\n` +
        `\tOriginalContent: type=${SOAP_UTF8};Length=${message.length}\r\n` +
        "--Encrypted Boundary\r\n" +
        "\tContent-Type: application/octet-stream\r\n",
      "latin1",
    ),
    len,
    signature,
    sealed,
    Buffer.from("--Encrypted Boundary--\r\n", "latin1"),
  ]);
}
