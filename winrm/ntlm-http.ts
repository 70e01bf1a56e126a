/**
 * WinRM's HTTP framing of NTLM-sealed messages (MS-WSMV 2.2.9.1.1): a two-part
 * multipart/encrypted body whose second part is a 4-byte little-endian signature length,
 * the 16-byte NTLM signature and the sealed SOAP envelope.
 */
import { NtlmSealer, NtlmUnsealer } from "./ntlm";
import { WinRmError } from "./errors";

export const ENCRYPTED_PROTOCOL = "application/HTTP-SPNEGO-session-encrypted";
export const BOUNDARY = "Encrypted Boundary";
export const ENCRYPTED_CONTENT_TYPE = `multipart/encrypted;protocol="${ENCRYPTED_PROTOCOL}";boundary="${BOUNDARY}"`;
export const SOAP_CONTENT_TYPE = "application/soap+xml;charset=UTF-8";

export class FramingError extends WinRmError {
  override name = "FramingError";
}

export function isEncryptedContentType(contentType: string | undefined): boolean {
  return !!contentType && /^multipart\/encrypted\b/i.test(contentType.trim()) && contentType.includes(ENCRYPTED_PROTOCOL);
}

export function encodeEncryptedBody(sealer: NtlmSealer, message: Buffer): Buffer {
  const { signature, sealed } = sealer.seal(message);
  const sigLen = Buffer.alloc(4);
  sigLen.writeUInt32LE(signature.length);
  return Buffer.concat([
    Buffer.from(
      `--${BOUNDARY}\r\n` +
        `\tContent-Type: ${ENCRYPTED_PROTOCOL}\r\n` +
        `\tOriginalContent: type=${SOAP_CONTENT_TYPE};Length=${message.length}\r\n` +
        `--${BOUNDARY}\r\n` +
        `\tContent-Type: application/octet-stream\r\n`,
      "latin1",
    ),
    sigLen,
    signature,
    sealed,
    Buffer.from(`--${BOUNDARY}--\r\n`, "latin1"),
  ]);
}

/**
 * Reads the sealed payload by the Length the first part announces rather than by searching for
 * the closing boundary, since RC4 output may contain any byte sequence.
 */
export function decodeEncryptedBody(unsealer: NtlmUnsealer, body: Buffer): Buffer {
  const marker = Buffer.from("application/octet-stream\r\n", "latin1");
  const head = body.subarray(0, Math.min(body.length, 1024)).toString("latin1");
  const lenMatch = /OriginalContent:\s*type=[^\r\n]*?Length=(\d+)/i.exec(head);
  if (!lenMatch) throw new FramingError("encrypted body has no OriginalContent length");
  const length = Number(lenMatch[1]);
  const at = body.indexOf(marker);
  if (at < 0) throw new FramingError("encrypted body has no application/octet-stream part");
  const start = at + marker.length;
  if (start + 4 > body.length) throw new FramingError("encrypted body is truncated");
  const sigLen = body.readUInt32LE(start);
  if (sigLen !== 16) throw new FramingError(`unexpected NTLM signature length ${sigLen}`);
  const sigStart = start + 4;
  const dataStart = sigStart + sigLen;
  if (dataStart + length > body.length) throw new FramingError("encrypted body is shorter than its OriginalContent length");
  return unsealer.unseal(body.subarray(sigStart, dataStart), body.subarray(dataStart, dataStart + length));
}
