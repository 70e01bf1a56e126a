// A small stand-in for Windows installation media, built from Debian tools: the tree layout of
// Microsoft's ISOs (boot/etfsboot.com, efi/microsoft/boot/efisys*.bin as FAT images holding
// EFI/BOOT/BOOTX64.EFI, sources/install.wim with evaluation image names), packed into an ISO.
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * A minimal PE32+ EFI application (x64, subsystem 10) whose code is `xor rax,rax; ret`, with no
 * signature: Secure Boot must refuse it. Laid out from the PE/COFF specification: DOS header with
 * e_lfanew, "PE\0\0", COFF header, PE32+ optional header with 16 data directories, one .text section.
 */
export function unsignedEfiApp(): Buffer {
  const b = Buffer.alloc(0x400);
  b.write("MZ", 0, "latin1");
  b.writeUInt32LE(0x40, 0x3c);
  b.write("PE\0\0", 0x40, "latin1");
  const coff = 0x44;
  b.writeUInt16LE(0x8664, coff); // AMD64
  b.writeUInt16LE(1, coff + 2); // one section
  b.writeUInt16LE(240, coff + 16); // SizeOfOptionalHeader, PE32+
  b.writeUInt16LE(0x0022, coff + 18); // EXECUTABLE_IMAGE | LARGE_ADDRESS_AWARE
  const opt = coff + 20;
  b.writeUInt16LE(0x20b, opt); // PE32+
  b.writeUInt32LE(0x200, opt + 4); // SizeOfCode
  b.writeUInt32LE(0x1000, opt + 16); // AddressOfEntryPoint
  b.writeUInt32LE(0x1000, opt + 20); // BaseOfCode
  b.writeBigUInt64LE(0x400000n, opt + 24); // ImageBase
  b.writeUInt32LE(0x1000, opt + 32); // SectionAlignment
  b.writeUInt32LE(0x200, opt + 36); // FileAlignment
  b.writeUInt32LE(0x2000, opt + 56); // SizeOfImage
  b.writeUInt32LE(0x200, opt + 60); // SizeOfHeaders
  b.writeUInt16LE(10, opt + 68); // EFI application
  b.writeBigUInt64LE(0x100000n, opt + 72);
  b.writeBigUInt64LE(0x1000n, opt + 80);
  b.writeBigUInt64LE(0x100000n, opt + 88);
  b.writeBigUInt64LE(0x1000n, opt + 96);
  b.writeUInt32LE(16, opt + 108); // NumberOfRvaAndSizes
  const sec = opt + 240;
  b.write(".text", sec, "latin1");
  b.writeUInt32LE(0x10, sec + 8); // VirtualSize
  b.writeUInt32LE(0x1000, sec + 12); // VirtualAddress
  b.writeUInt32LE(0x200, sec + 16); // SizeOfRawData
  b.writeUInt32LE(0x200, sec + 20); // PointerToRawData
  b.writeUInt32LE(0x60000020, sec + 36); // code, execute, read
  Buffer.from([0x48, 0x31, 0xc0, 0xc3]).copy(b, 0x200);
  return b;
}

/** A FAT image like efisys*.bin: EFI/BOOT/BOOTX64.EFI, and optionally a UEFI Shell startup.nsh at its root. */
export function efiBootImage(file: string, loader: Buffer, startupNsh?: string): void {
  execFileSync("mkfs.fat", ["-C", file, "1440"], { stdio: "ignore" });
  const loaderFile = `${file}.loader`;
  writeFileSync(loaderFile, loader);
  execFileSync("mmd", ["-i", file, "::/EFI", "::/EFI/BOOT"]);
  execFileSync("mcopy", ["-i", file, loaderFile, "::/EFI/BOOT/BOOTX64.EFI"]);
  if (startupNsh !== undefined) {
    writeFileSync(`${file}.nsh`, startupNsh);
    execFileSync("mcopy", ["-i", file, `${file}.nsh`, "::/startup.nsh"]);
  }
}

/** A WIM with the given image names, index 1 first (wimlib-imagex capture, then append). */
export function fakeWim(file: string, names: string[]): void {
  names.forEach((name, i) => {
    const dir = `${file}.image${i + 1}`;
    mkdirSync(join(dir, "Windows", "System32"), { recursive: true });
    writeFileSync(join(dir, "Windows", "System32", "marker.txt"), name);
    execFileSync("wimlib-imagex", [i === 0 ? "capture" : "append", dir, file, name], { stdio: "ignore" });
  });
}

export interface FakeMediaOptions {
  imageNames: string[];
  volumeId: string;
  /** The UEFI Shell script placed in the no-prompt boot image (for the stand-in installer). */
  startupNsh?: string;
  /** EFI/BOOT/BOOTX64.EFI of the no-prompt image; the unsigned test application by default. */
  loader?: Buffer;
}

/** The tree of a fake installer ISO under `dir`/tree, packed as `dir`/source.iso with the with-prompt EFI image, as Microsoft's are. */
export function fakeInstallerIso(dir: string, options: FakeMediaOptions): string {
  const tree = join(dir, "tree");
  mkdirSync(join(tree, "boot"), { recursive: true });
  mkdirSync(join(tree, "efi", "microsoft", "boot"), { recursive: true });
  mkdirSync(join(tree, "sources"), { recursive: true });
  writeFileSync(join(tree, "boot", "etfsboot.com"), Buffer.alloc(4096, 0x90));
  efiBootImage(join(tree, "efi", "microsoft", "boot", "efisys.bin"), unsignedEfiApp());
  efiBootImage(join(tree, "efi", "microsoft", "boot", "efisys_noprompt.bin"), options.loader ?? unsignedEfiApp(), options.startupNsh);
  fakeWim(join(tree, "sources", "install.wim"), options.imageNames);
  writeFileSync(join(tree, "setup.exe"), "not really setup");
  const iso = join(dir, "source.iso");
  execFileSync(
    "xorriso",
    [
      "-as",
      "mkisofs",
      "-iso-level",
      "3",
      "-J",
      "-joliet-long",
      "-V",
      options.volumeId,
      "-b",
      "boot/etfsboot.com",
      "-no-emul-boot",
      "-boot-load-size",
      "8",
      "-eltorito-alt-boot",
      "-e",
      "efi/microsoft/boot/efisys.bin",
      "-no-emul-boot",
      "-m",
      "*.image*",
      "-m",
      "*.loader",
      "-m",
      "*.nsh",
      "-o",
      iso,
      tree,
    ],
    { stdio: "ignore" },
  );
  return iso;
}
