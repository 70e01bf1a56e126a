// Every edge of the phase graphs of the two SCCM stacks, written out by hand from what each phase
// needs (a domain before a join, the service account before SQL setup, the site server's computer
// account before its SQL and AD rights, everything before the site install, the site before clients).
// [phase id, the phases it runs after]
export type Edge = [string, string[]];

// The edges shared by both layouts: each member's network and join wait for the DC's DNS and DHCP,
// and a join waits for the accounts phase, whose OUs the computers join into.
const memberEdges = (members: string[]): Edge[] =>
  members.flatMap((m): Edge[] => [
    [`${m}-network`, [`${m}-rename`, "dc01-dns"]],
    [`${m}-join`, [`${m}-network`, "dc01-dns", "dc01-dhcp-lab-net", "dc01-accounts"]],
  ]);

export const DEV_EDGES: Edge[] = [
  ["dc01-winrm", []],
  ["dc01-rename", ["dc01-winrm"]],
  ["sccm01-winrm", []],
  ["sccm01-rename", ["sccm01-winrm"]],
  ["client01-winrm", []],
  ["client01-rename", ["client01-winrm"]],
  ["client02-winrm", []],
  ["client02-rename", ["client02-winrm"]],
  ["dc01-network", ["dc01-rename"]],
  ["dc01-ad-forest", ["dc01-network"]],
  ["dc01-domain-ready", ["dc01-ad-forest"]],
  ["dc01-dns", ["dc01-domain-ready"]],
  ["dc01-dhcp-lab-net", ["dc01-dns"]],
  ["dc01-accounts", ["dc01-dhcp-lab-net", "dc01-domain-ready"]],
  ...memberEdges(["sccm01", "client01", "client02"]),
  ["dc01-schema-extension", ["dc01-accounts"]],
  ["dc01-system-management", ["dc01-schema-extension", "sccm01-join"]],
  ["sccm01-sql-install", ["sccm01-join", "dc01-accounts"]],
  ["sccm01-sql-site-server-access", ["sccm01-sql-install", "sccm01-join"]],
  ["sccm01-sccm-prerequisites", ["sccm01-sql-site-server-access", "sccm01-join"]],
  ["sccm01-adk", ["sccm01-sccm-prerequisites"]],
  ["sccm01-sccm-prereq-download", ["sccm01-adk"]],
  [
    "sccm01-sccm-site-install",
    [
      "sccm01-sccm-prereq-download",
      "sccm01-sql-site-server-access",
      "dc01-schema-extension",
      "dc01-system-management",
      "sccm01-sccm-prerequisites",
      "sccm01-adk",
    ],
  ],
  ["sccm01-sccm-site-settings", ["sccm01-sccm-site-install"]],
  ["client01-sccm-client", ["client01-join", "sccm01-sccm-site-settings"]],
  ["client02-sccm-client", ["client02-join", "sccm01-sccm-site-settings"]],
  // Last on each VM that got a password: the scan for secrets left on its disk.
  ["dc01-no-secrets", ["dc01-system-management"]],
  ["sccm01-no-secrets", ["sccm01-sccm-site-settings"]],
  ["client01-no-secrets", ["client01-sccm-client"]],
  ["client02-no-secrets", ["client02-sccm-client"]],
];

export const SPLIT_SQL_EDGES: Edge[] = [
  ["dc01-winrm", []],
  ["dc01-rename", ["dc01-winrm"]],
  ["sql01-winrm", []],
  ["sql01-rename", ["sql01-winrm"]],
  ["sccm01-winrm", []],
  ["sccm01-rename", ["sccm01-winrm"]],
  ["client01-winrm", []],
  ["client01-rename", ["client01-winrm"]],
  ["dc01-network", ["dc01-rename"]],
  ["dc01-ad-forest", ["dc01-network"]],
  ["dc01-domain-ready", ["dc01-ad-forest"]],
  ["dc01-dns", ["dc01-domain-ready"]],
  ["dc01-dhcp-lab-net", ["dc01-dns"]],
  ["dc01-accounts", ["dc01-dhcp-lab-net", "dc01-domain-ready"]],
  ...memberEdges(["sql01", "sccm01", "client01"]),
  ["dc01-schema-extension", ["dc01-accounts"]],
  ["dc01-system-management", ["dc01-schema-extension", "sccm01-join"]],
  ["sql01-sql-install", ["sql01-join", "dc01-accounts"]],
  ["sql01-sql-site-server-access", ["sql01-sql-install", "sccm01-join"]],
  ["sccm01-sccm-prerequisites", ["sccm01-join"]],
  ["sccm01-adk", ["sccm01-sccm-prerequisites"]],
  ["sccm01-sccm-prereq-download", ["sccm01-adk"]],
  [
    "sccm01-sccm-site-install",
    [
      "sccm01-sccm-prereq-download",
      "sql01-sql-site-server-access",
      "dc01-schema-extension",
      "dc01-system-management",
      "sccm01-sccm-prerequisites",
      "sccm01-adk",
    ],
  ],
  ["sccm01-sccm-site-settings", ["sccm01-sccm-site-install"]],
  ["client01-sccm-client", ["client01-join", "sccm01-sccm-site-settings"]],
  ["dc01-no-secrets", ["dc01-system-management"]],
  ["sql01-no-secrets", ["sql01-sql-site-server-access"]],
  ["sccm01-no-secrets", ["sccm01-sccm-site-settings"]],
  ["client01-no-secrets", ["client01-sccm-client"]],
];
