// npm run media -- check --stack <name>   checks the media folder against media/manifest.json
// npm run media -- build --stack <name>   checks, then builds the media ISO the VMs attach
// Exit codes: 0 ok, 1 the folder does not match (missing, incomplete, hash mismatch), 2 usage or config error.
import { Command, CommanderError } from "commander";
import { formatProblems, loadLabSpec, readStackConfig } from "../lab";
import type { MediaSpec } from "../lab";
import { buildIso, checkMedia, DEFAULT_LOCK, DEFAULT_MANIFEST, formatMediaCheck, loadMediaManifest, readLock, writeLock } from "../media";

export interface MediaCliIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  projectDir: string;
}

interface Flags {
  stack: string;
  dir?: string;
  manifest: string;
  lock: string;
  frozen?: boolean;
  out?: string;
}

class UsageError extends Error {}

function stackMedia(projectDir: string, stack: string): MediaSpec {
  const result = loadLabSpec(readStackConfig(projectDir, stack));
  if (!result.ok) throw new UsageError(`the lab config of stack ${stack} has problems:\n${formatProblems(result.errors)}`);
  if (!result.spec.media) throw new UsageError(`stack ${stack} has no homelab:media: add { dir: <installer folder>, iso: <ISO path> } to Pulumi.${stack}.yaml`);
  return result.spec.media;
}

/** Checks; records first-use hashes into the lock; returns whether the folder matches. */
function check(flags: Flags, io: MediaCliIo): { ok: boolean; dir: string; media?: MediaSpec; volumeId: string } {
  const media = flags.dir && flags.out ? undefined : stackMedia(io.projectDir, flags.stack);
  const dir = flags.dir ?? media!.dir;
  const manifest = loadMediaManifest(flags.manifest);
  const lock = readLock(flags.lock);
  const result = checkMedia(dir, manifest, lock, { frozen: flags.frozen });
  if (result.statuses.some((s) => s.status === "recorded")) writeLock(flags.lock, result.lock);
  (result.ok ? io.stdout : io.stderr)(formatMediaCheck(result, flags.lock));
  return { ok: result.ok, dir, media, volumeId: manifest.volumeId };
}

export async function main(argv: string[], io: MediaCliIo = { stdout: (s) => void process.stdout.write(s), stderr: (s) => void process.stderr.write(s), projectDir: `${__dirname}/..` }): Promise<number> {
  let code = 0;
  const program = new Command("media")
    .description("the installer media of the lab: check the folder against the manifest, build the ISO")
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  const common = (cmd: Command) => cmd
    .requiredOption("--stack <name>", "the stack whose homelab:media names the folder and the ISO")
    .option("--dir <path>", "media folder (default: the stack's homelab:media.dir)")
    .option("--manifest <file>", "media manifest", DEFAULT_MANIFEST)
    .option("--lock <file>", "lock file of first-use hashes", DEFAULT_LOCK)
    .option("--frozen", "do not record new hashes: an unpinned entry is an error (CI)");
  common(program.command("check").description("list missing installers with their download pages; a hash mismatch is an error"))
    .action((flags: Flags) => { code = check(flags, io).ok ? 0 : 1; });
  common(program.command("build").description("check, then build the ISO (volume id from the manifest) from the folder"))
    .option("--out <iso>", "ISO path (default: the stack's homelab:media.iso)")
    .action((flags: Flags) => {
      const checked = check(flags, io);
      if (!checked.ok) {
        io.stderr("not building the ISO: fix the media folder first\n");
        code = 1;
        return;
      }
      const iso = flags.out ?? checked.media!.iso;
      buildIso(checked.dir, iso, checked.volumeId);
      io.stdout(`built ${iso} (volume id ${checked.volumeId}) from ${checked.dir}\n`);
    });
  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    io.stderr(`${err instanceof Error ? err.message : String(err)}\n`);
    return err instanceof UsageError ? 2 : 1;
  }
  return code;
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
}
