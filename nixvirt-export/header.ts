/** The comment at the top of every exported file: where it came from and how to refresh it. */
export function fileHeader(stack: string, what: string, option: string): string {
  return [
    `# Generated from Pulumi.${stack}.yaml by \`npm run export:nixvirt -- --stack ${stack} --out nixvirt/\`:`,
    "# edit the stack config and export again; hand edits here are overwritten.",
    "#",
    `# ${what} for NixVirt 0.6.0: the list that`,
    `# virtualisation.libvirt.connections."qemu:///system".${option} takes.`,
    "# NixVirt removes every libvirt object of this kind that is not in the list.",
  ].join("\n");
}

/** One comment line; a newline in a value must not end the comment early. */
export const comment = (text: string): string => `# ${text.replace(/[\r\n]+/g, " ")}`;

/** Indents every line of `text` by `indent`. */
export const indentLines = (text: string, indent: string): string =>
  text
    .split("\n")
    .map((l) => (l ? indent + l : l))
    .join("\n");
