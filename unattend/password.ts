// How Windows Setup expects a password with <PlainText>false</PlainText>: base64 of the UTF-16LE
// bytes of the password followed by the setting's name. This is encoding, not secrecy.
// Microsoft's unattend reference, Microsoft-Windows-Shell-Setup | UserAccounts | AdministratorPassword |
// Value (its example cAB3AEEA...ZAA= is "pw" + "AdministratorPassword"), and LocalAccounts |
// LocalAccount | Password (suffix "Password"); AutoLogon | Password takes the "Password" suffix as well.

/** The suffix Setup strips after decoding, per setting. */
export type PasswordSetting = "AdministratorPassword" | "Password";

export function encodeUnattendPassword(password: string, setting: PasswordSetting): string {
  return Buffer.from(password + setting, "utf16le").toString("base64");
}

/** The inverse, for tests and for reading an answer file back; refuses a value of another setting. */
export function decodeUnattendPassword(value: string, setting: PasswordSetting): string {
  const text = Buffer.from(value, "base64").toString("utf16le");
  if (!text.endsWith(setting)) throw new Error(`the encoded value does not end with the ${setting} suffix`);
  return text.slice(0, -setting.length);
}
