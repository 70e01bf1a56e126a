// homelab media check --stack <name>   checks the media folder against media/manifest.json
// homelab media build --stack <name>   checks, then builds the media ISO the VMs attach
// Exit codes (cli/exit-codes.ts): 0 ok, 1 the folder does not match (missing, incomplete, hash
// mismatch), 2 usage error, 3 config error.
import { Command } from "commander";
import type { MediaSpec } from "../lab";
import { buildIso, checkMedia, DEFAULT_LOCK, DEFAULT_MANIFEST, formatMediaCheck, loadMediaManifest, readLock, writeLock } from "../media";

import { EXIT, CliError } from "./exit-codes";
import { CliIo, processIo, Subcommand } from "./io";
import { runSubcommand } from "./main";
import { loadStack } from "./stack";

export type MediaCliIo = CliIo;

interface Flags {
  stack: string;
  dir?: string;
  manifest: string;
  lock: string;
  frozen?: boolean;
  out?: string;
}

function stackMedia(io: MediaCliIo, stack: string): MediaSpec {
  const spec = loadStack(stack, io);
  if (!spec.media) throw new CliError("usage", `stack ${stack} has no homelab:media: add { dir: <installer folder>, iso: <ISO path> } to Pulumi.${stack}.yaml`);
  return spec.media;
}

/** Checks; records first-use hashes into the lock; returns whether the folder matches. */
function check(flags: Flags, io: MediaCliIo): { ok: boolean; dir: string; media?: MediaSpec; volumeId: string } {
  const media = flags.dir && flags.out ? undefined : stackMedia(io, flags.stack);
  const dir = flags.dir ?? media!.dir;
  const manifest = loadMediaManifest(flags.manifest);
  const lock = readLock(flags.lock);
  const result = checkMedia(dir, manifest, lock, { frozen: flags.frozen });
  if (result.statuses.some((s) => s.status === "recorded")) writeLock(flags.lock, result.lock);
  (result.ok ? io.stdout : io.stderr)(formatMediaCheck(result, flags.lock));
  return { ok: result.ok, dir, media, volumeId: manifest.volumeId };
}

export const media: Subcommand = {
  command: (io, result) => {
    const program = new Command("media").description("the installer media of the lab: check the folder against the manifest, build the ISO");
    const common = (cmd: Command) =>
      cmd
        .requiredOption("--stack <name>", "the stack whose homelab:media names the folder and the ISO")
        .option("--dir <path>", "media folder (default: the stack's homelab:media.dir)")
        .option("--manifest <file>", "media manifest", DEFAULT_MANIFEST)
        .option("--lock <file>", "lock file of first-use hashes", DEFAULT_LOCK)
        .option("--frozen", "do not record new hashes: an unpinned entry is an error (CI)");
    common(program.command("check").description("list missing installers with their download pages; a hash mismatch is an error")).action((flags: Flags) => {
      result.code = check(flags, io).ok ? EXIT.ok : EXIT.failed;
    });
    common(program.command("build").description("check, then build the ISO (volume id from the manifest) from the folder"))
      .option("--out <iso>", "ISO path (default: the stack's homelab:media.iso)")
      .action((flags: Flags) => {
        const checked = check(flags, io);
        if (!checked.ok) {
          io.stderr("not building the ISO: fix the media folder first\n");
          result.code = EXIT.failed;
          return;
        }
        const iso = flags.out ?? checked.media!.iso;
        buildIso(checked.dir, iso, checked.volumeId);
        io.stdout(`built ${iso} (volume id ${checked.volumeId}) from ${checked.dir}\n`);
        result.code = EXIT.ok;
      });
    return program;
  },
};

/** The media command on its own (tests call it in-process). */
export function main(argv: string[], io: MediaCliIo = processIo): Promise<number> {
  return runSubcommand(media, argv, io);
}
