// Refuses a change of the password the phases log on with, before any phase re-runs with it.
//
// Every phase carries the logon password in its environment, so a new value would re-run every
// phase, and each would log on with a password the guests do not have yet. Rotating it is a change
// on the guests (and the domain) that this program does not automate; the guard stops the preview
// with the steps instead. Its provider is a pure comparison with no module to load, so it works from
// any checkout.
import * as pulumi from "@pulumi/pulumi";

export interface CredentialGuardArgs {
  /** The secret config key, e.g. adminPassword. */
  secretKey: string;
  /** secretFingerprint() of its value: a salted slow hash, never the value. */
  fingerprint: pulumi.Input<string>;
  /** What to tell the user to do; the guard's message names the key and these steps. */
  steps: string[];
}

interface GuardInputs {
  secretKey: string;
  fingerprint: string;
  steps: string[];
}

const guardProvider: pulumi.dynamic.ResourceProvider = {
  async check(olds: Partial<GuardInputs>, news: GuardInputs) {
    // Unknown in a preview before the first run: nothing to compare yet.
    if (!olds.fingerprint || olds.fingerprint === news.fingerprint || typeof news.fingerprint !== "string" || !news.fingerprint.startsWith("secret ")) {
      return { inputs: news, failures: [] };
    }
    const reason =
      `homelab:${news.secretKey} changed since the last \`pulumi up\`, but the guests still have the old password: ` +
      `every phase would log on with the new one and fail. Nothing was changed. ${news.steps.map((s, i) => `(${i + 1}) ${s}`).join(" ")}`;
    return { inputs: news, failures: [{ property: "fingerprint", reason }] };
  },
  async diff(_id: string, olds: GuardInputs, news: GuardInputs) {
    return { changes: olds.fingerprint !== news.fingerprint || olds.secretKey !== news.secretKey };
  },
  async create(inputs: GuardInputs) {
    return { id: inputs.secretKey, outs: inputs };
  },
  async update(_id: string, _olds: GuardInputs, news: GuardInputs) {
    return { outs: news };
  },
};

export class CredentialGuard extends pulumi.dynamic.Resource {
  declare public readonly fingerprint: pulumi.Output<string>;

  constructor(name: string, args: CredentialGuardArgs, opts?: pulumi.CustomResourceOptions) {
    super(guardProvider, name, { ...args }, opts, "homelab", "CredentialGuard");
  }
}

/** The steps for a changed logon password: set it back, or rotate it by hand and let the phases re-run. */
export function logonPasswordSteps(secretKey: string, guardUrnHint: string): string[] {
  return [
    `To keep the lab as it is, set the old value back: pulumi config set --secret homelab:${secretKey} <old password>.`,
    // Set-ADAccountPassword -Reset: Microsoft Learn, ActiveDirectory module, Set-ADAccountPassword; `net user NAME PASSWORD`:
    // Microsoft Learn, Windows commands, net user. Neither was run here (no Windows in CI).
    `To rotate it: change it on the guests first, with the old one (on the domain controller: Set-ADAccountPassword -Identity Administrator -Reset; ` +
      `on each guest that is not in the domain yet: net user Administrator <new password>).`,
    `Then forget the old fingerprint with pulumi state delete '${guardUrnHint}' and run pulumi up: every phase runs once more with the new password.`,
  ];
}
