// Turns the readable answer file (placeholder passwords, what `npm run render` shows and what
// Pulumi keeps) into the one Setup reads, at the last moment, inside the answer ISO's builder.
import { PASSWORD_PLACEHOLDER } from "./answer-file";
import { checkAnswerFile } from "./check";
import { encodeUnattendPassword } from "./password";

const escapeXml = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

export function fillAnswerPasswords(readableXml: string, adminPassword: string): string {
  if (adminPassword === "") throw new Error("homelab:adminPassword is empty: set it with pulumi config set --secret homelab:adminPassword");
  const value = `<Value>${escapeRegExp(escapeXml(PASSWORD_PLACEHOLDER))}</Value>`;
  // UserAccounts | AdministratorPassword takes the "AdministratorPassword" suffix; AutoLogon and LocalAccount passwords "Password".
  const filled = readableXml
    .replace(
      new RegExp(`(<AdministratorPassword>\\s*)${value}`, "g"),
      (_m, head: string) => `${head}<Value>${encodeUnattendPassword(adminPassword, "AdministratorPassword")}</Value>`,
    )
    .replace(new RegExp(value, "g"), `<Value>${encodeUnattendPassword(adminPassword, "Password")}</Value>`);
  const problems = checkAnswerFile(filled);
  if (problems.length > 0) throw new Error(`the answer file is not valid after filling in the passwords:\n  ${problems.join("\n  ")}`);
  return filled;
}
