/**
 * Compiles src/main.ts into a single self-contained binary.
 *   bun run build.ts          dist/unitsync for this machine
 *   bun run build.ts --all    the release: dist/release/v<version>/ with unitsync-<os>-<arch>[-musl]
 *                             for every target, install.sh and SHA256SUMS (`npm run release`)
 * The same sources and lock file give the same bytes: nothing in a build depends on the time, the
 * process or the directory it ran in.
 */
import {
  chmodSync,
  closeSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import pkg from "./package.json" with { type: "json" };

export const HOST_OUTFILE = "dist/unitsync";

/**
 * The release targets: `unitsync-<name>` in the release folder is built with Bun's compile target `bun`, and `file`
 * must describe it as `format`. Bun takes each target's runtime from the npm registry
 * (`@oven/bun-<os>-<arch>[-musl]` at the version of the Bun that builds) on first use and keeps it in
 * its install cache (~/.bun/install/cache), so later releases build offline. The Linux x64 targets use
 * Bun's baseline runtime (x86-64-v2: SSE4.2, Nehalem 2008 and later): the default one needs AVX2
 * (Haswell, 2013) and dies with "Illegal instruction" on older CPUs and on VMs with a conservative CPU
 * model. Measured with hyperfine, `--version` takes the same 7.5-7.7 ms with either. macOS 13, the
 * oldest the darwin binaries run on, needs a 2017 Mac or later, all of which have AVX2.
 */
export const RELEASE_TARGETS = {
  "linux-x64": {
    bun: "bun-linux-x64-baseline",
    format: /^ELF 64-bit LSB .*x86-64.*interpreter \/lib64\/ld-linux-x86-64/,
  },
  "linux-arm64": {
    bun: "bun-linux-arm64",
    format: /^ELF 64-bit LSB .*ARM aarch64.*interpreter \/lib\/ld-linux-aarch64/,
  },
  "linux-x64-musl": {
    bun: "bun-linux-x64-baseline-musl",
    format: /^ELF 64-bit LSB .*x86-64.*interpreter \/lib\/ld-musl-x86_64/,
  },
  "linux-arm64-musl": {
    bun: "bun-linux-arm64-musl",
    format: /^ELF 64-bit LSB .*ARM aarch64.*interpreter \/lib\/ld-musl-aarch64/,
  },
  "darwin-x64": { bun: "bun-darwin-x64", format: /^Mach-O 64-bit x86_64 executable/ },
  "darwin-arm64": { bun: "bun-darwin-arm64", format: /^Mach-O 64-bit arm64 executable/ },
} as const satisfies Record<string, { bun: Bun.Build.CompileTarget; format: RegExp }>;

/** A release target's name, e.g. "linux-arm64-musl". */
export type ReleaseTarget = keyof typeof RELEASE_TARGETS;

/** Builds one binary; throws with Bun's logs when the build fails. */
export async function build(outfile: string, target?: Bun.Build.CompileTarget): Promise<void> {
  // Build beside the target and rename into place, so a test or script running the old binary
  // never sees a half-written file. The binary embeds its own file name (/$bunfs/root/<name>), so
  // the temporary file has the final name, in a private directory: a name with the pid in it made
  // every build's bytes different.
  mkdirSync(dirname(outfile), { recursive: true });
  const scratch = mkdtempSync(join(dirname(outfile), ".build-"));
  const partial = join(scratch, basename(outfile));
  try {
    await compile(partial, target);
    renameSync(partial, outfile);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Where `npm run release` puts each version's folder. */
export const RELEASE_ROOT = "dist/release";

/** The release target this machine runs: its architecture, and on Linux the C library its own /bin/sh uses. */
export function hostTarget(): ReleaseTarget | undefined {
  const arch = { x64: "x64", arm64: "arm64" }[process.arch as string];
  if (!arch || (process.platform !== "linux" && process.platform !== "darwin")) return undefined;
  if (process.platform === "darwin") return `darwin-${arch}` as ReleaseTarget;
  return `linux-${arch}${systemLibc() === "musl" ? "-musl" : ""}` as ReleaseTarget;
}

/**
 * The C library of this Linux system, from the program interpreter of /bin/sh (else of the Bun
 * running this): `/lib/ld-musl-<arch>.so.1` means musl. Whether a musl loader *exists* proves
 * nothing: Debian's `musl` package installs one beside glibc.
 */
export function systemLibc(): "musl" | "glibc" {
  for (const program of ["/bin/sh", process.execPath]) {
    const interpreter = elfInterpreter(program);
    if (interpreter) return /\/ld-musl-/.test(interpreter) ? "musl" : "glibc";
  }
  return "glibc";
}

/** The program interpreter (PT_INTERP) a 64-bit little-endian ELF file names, or undefined. */
export function elfInterpreter(path: string): string | undefined {
  let head: Buffer;
  try {
    const fd = openSync(path, "r");
    try {
      head = Buffer.alloc(65536);
      head = head.subarray(0, readSync(fd, head, 0, head.length, 0));
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined;
  }
  // ELF magic, ELFCLASS64, ELFDATA2LSB: the only kind of binary the release targets are.
  if (head.length < 64 || head.readUInt32BE(0) !== 0x7f454c46 || head[4] !== 2 || head[5] !== 1)
    return undefined;
  const phoff = Number(head.readBigUInt64LE(0x20));
  const phentsize = head.readUInt16LE(0x36);
  const phnum = head.readUInt16LE(0x38);
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * phentsize;
    if (at + 0x28 > head.length) return undefined;
    if (head.readUInt32LE(at) !== 3) continue; // PT_INTERP
    const offset = Number(head.readBigUInt64LE(at + 0x08));
    const size = Number(head.readBigUInt64LE(at + 0x20));
    if (offset + size > head.length) return undefined;
    return head.toString("latin1", offset, offset + size).replace(/\0+$/, "");
  }
  return undefined;
}

/** What `file` says about a binary; throws when file(1) is missing, since the release check needs it. */
export async function describeBinary(path: string): Promise<string> {
  if (!Bun.which("file")) throw new Error("the release check needs file(1): apt-get install file");
  const proc = Bun.spawn(["file", "-b", path], { stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  if (code !== 0) throw new Error(`file ${path} failed: ${err.trim()}`);
  return out.trim();
}

/** What `release` builds and where: by default every target, into RELEASE_ROOT/v<version>. */
export interface ReleaseOptions {
  root?: string;
  targets?: ReleaseTarget[];
}

/**
 * Builds the release folder `root/v<version>`: every target's binary (its format checked with
 * file(1), and the one for this machine run), install.sh, and SHA256SUMS covering them. It is
 * assembled in a private folder beside it and renamed into place only when complete, so a failed
 * run leaves the previous release as it was, and SHA256SUMS always describes the binaries beside it.
 * Returns the folder.
 */
export async function release(options: ReleaseOptions = {}): Promise<string> {
  const { root = RELEASE_ROOT } = options;
  const version = pkg.version;
  const targets = options.targets ?? (Object.keys(RELEASE_TARGETS) as ReleaseTarget[]);
  const folder = join(root, `v${version}`);
  mkdirSync(root, { recursive: true });
  const staging = mkdtempSync(join(root, `.v${version}.`));
  try {
    chmodSync(staging, 0o755); // mkdtemp's 0700 would keep a web server from serving it
    const names: string[] = [];
    for (const name of targets) {
      const target = RELEASE_TARGETS[name];
      const outfile = join(staging, `unitsync-${name}`);
      try {
        await build(outfile, target.bun);
      } catch (error) {
        throw new Error(
          `${(error as Error).message}: the ${target.bun} runtime comes from the npm registry on first use; check that it is reachable`,
        );
      }
      const format = await describeBinary(outfile);
      if (!target.format.test(format))
        throw new Error(`unitsync-${name} is not a ${name} binary: file says "${format}"`);
      names.push(`unitsync-${name}`);
      console.log(
        `built unitsync-${name} (${(statSync(outfile).size / 2 ** 20).toFixed(1)} MiB): ${format.replace(/, BuildID\[[^\]]*\]=\w+/, "")}`,
      );
    }
    const host = hostTarget();
    if (host && targets.includes(host)) await checkVersion(join(staging, `unitsync-${host}`));
    copyFileSync("install.sh", join(staging, "install.sh"));
    names.push("install.sh");
    for (const [archive, dir] of Object.entries(RELEASE_ARCHIVES)) {
      const name = archive.replace("<version>", version);
      writeFileSync(join(staging, name), tarGz(dir));
      names.push(name);
    }
    const sums = await checksums(staging, names);
    writeFileSync(join(staging, "RELEASE.md"), releaseNotes(version, releaseUrl(version), sums));
    names.push("RELEASE.md");
    await writeChecksums(staging, names);
    replaceFolder(staging, folder);
    console.log(`wrote ${folder}: ${names.length} files and their SHA256SUMS, for unitsync ${version}`);
    return folder;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** Writes `dir/SHA256SUMS` for the named files of `dir`, in sha256sum's format (`sha256sum -c` reads it). */
export async function writeChecksums(dir: string, names: string[]): Promise<void> {
  const sums = await checksums(dir, names);
  const lines = names.map((name) => `${sums[name]}  ${name}\n`);
  await Bun.write(join(dir, "SHA256SUMS.partial"), lines.join(""));
  renameSync(join(dir, "SHA256SUMS.partial"), join(dir, "SHA256SUMS"));
}

/** The archives a release carries beside the binaries, by file name, and the folder each packs. */
export const RELEASE_ARCHIVES = {
  // A Terraform module source can be an https URL of a .tar.gz: the module is its top level.
  "unitsync-coder-module-v<version>.tar.gz": "integrations/coder",
  // The name the dev container spec requires of a Feature referenced by URL.
  "devcontainer-feature-unitsync.tgz": "integrations/devcontainer/unitsync",
} as const;

/** Where the release of `version` is published: UNITSYNC_RELEASE_URL (the release workflow sets it), else the upstream GitHub release. */
export function releaseUrl(version: string): string {
  const url = process.env.UNITSYNC_RELEASE_URL?.replace(/\/+$/, "");
  return url || `https://github.com/unitsync/unitsync/releases/download/v${version}`;
}

/**
 * The files of `dir` (flat: a subfolder is an error) as a gzipped ustar archive whose bytes depend
 * on nothing but their names, contents and executable bits: sorted, owner 0, time 0.
 */
export function tarGz(dir: string): Uint8Array {
  const blocks: Uint8Array[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    const stat = statSync(path);
    if (!stat.isFile()) throw new Error(`${path}: only plain files can be packed`);
    const data = readFileSync(path);
    const header = Buffer.alloc(512);
    const field = (offset: number, length: number, value: string) =>
      header.write(value, offset, length, "latin1");
    const octal = (offset: number, length: number, value: number) =>
      field(offset, length, `${value.toString(8).padStart(length - 1, "0")}\0`);
    field(0, 100, name);
    octal(100, 8, stat.mode & 0o111 ? 0o755 : 0o644);
    octal(108, 8, 0); // uid
    octal(116, 8, 0); // gid
    octal(124, 12, data.length);
    octal(136, 12, 0); // mtime
    field(148, 8, " ".repeat(8)); // the checksum is summed with its own field as spaces
    field(156, 1, "0"); // a regular file
    field(257, 8, "ustar\u000000");
    let sum = 0;
    for (const byte of header) sum += byte;
    field(148, 8, `${sum.toString(8).padStart(6, "0")}\0 `);
    blocks.push(header, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024)); // two zero blocks end the archive
  const gz = Bun.gzipSync(Buffer.concat(blocks), { level: 9 });
  gz[9] = 3; // the header's OS byte says Unix wherever the release is built
  return gz;
}

// --- internal ---

/** SHA-256 of each named file of `dir`. */
async function checksums(dir: string, names: string[]): Promise<Record<string, string>> {
  const entries = await Promise.all(
    names.map(async (name) => [name, await sha256(join(dir, name))] as const),
  );
  return Object.fromEntries(entries);
}

/** RELEASE.md: what the folder holds, and a copy-paste line for each way in. */
function releaseNotes(version: string, url: string, sums: Record<string, string>): string {
  const module = `unitsync-coder-module-v${version}.tar.gz`;
  const binaries = Object.keys(sums).filter((name) => name.startsWith("unitsync-") && !name.includes(".tar"));
  const rows = binaries.map((name) => `| \`${name}\` | \`${sums[name]}\` |`).join("\n");
  const linux = binaries.includes("unitsync-linux-x64") ? "unitsync-linux-x64" : binaries[0];
  return `# unitsync ${version}

One binary per target, \`install.sh\` (picks the binary for the machine, checks it against
\`SHA256SUMS\`, installs atomically, and does nothing when it is already current), a Coder module
and a dev container Feature. Everything below installs from this release:

    ${url}

| file | SHA-256 |
|---|---|
${rows}

Check a download with \`sha256sum -c --ignore-missing SHA256SUMS\` (macOS: \`shasum -a 256 -c\`).

## A machine or an image: install.sh

\`\`\`sh
curl -fsSL ${url}/install.sh | sh -s -- --from ${url}                           # as root: /usr/local/bin
curl -fsSL ${url}/install.sh | sh -s -- --from ${url} --prefix "$HOME/.local"   # no root
\`\`\`

## Docker

\`\`\`dockerfile
# The right binary for the image's architecture and C library (needs curl or wget in the image):
RUN curl -fsSL ${url}/install.sh | sh -s -- --from ${url}
\`\`\`

\`\`\`dockerfile
# syntax=docker/dockerfile:1.6
# Or one target, checked by Docker itself, with nothing needed in the image:
ADD --checksum=sha256:${linux ? sums[linux] : ""} --chmod=755 ${url}/${linux} /usr/local/bin/unitsync
\`\`\`

## cloud-init

\`\`\`yaml
#cloud-config
runcmd:
  - curl -fsSL ${url}/install.sh | sh -s -- --from ${url}
  - unitsync agent --scripts /etc/unitsync.d --exit-when-done
\`\`\`

## A Coder template: the module

\`\`\`tf
module "unitsync" {
  source      = "${url}/${module}"
  agent_id    = coder_agent.main.id
  release_url = "${url}"
  unit_prefix = "project"
  scripts = {
    clone = { script = "git clone https://github.com/example/app ~/app" }
    deps  = { script = "cd ~/app && npm ci", want = ["clone"], blocks_login = true }
  }
}
# Another module's scripts can wait for all of these: want = [module.unitsync.target]
\`\`\`

## A dev container: the Feature

\`\`\`json
"features": {
  "${url}/devcontainer-feature-unitsync.tgz": { "source": "${url}", "scripts": "/etc/unitsync.d" }
}
\`\`\`
`;
}

/** One `bun build --compile` of the CLI into `outfile`; throws with Bun's logs when it fails. */
async function compile(outfile: string, target?: Bun.Build.CompileTarget): Promise<void> {
  const result = await Bun.build({
    entrypoints: ["src/main.ts"],
    compile: {
      outfile,
      ...(target && { target }),
      // A compiled binary would otherwise read .env and bunfig.toml from whatever directory it starts in.
      autoloadDotenv: false,
      autoloadBunfig: false,
    },
    // Split dynamic imports into lazily loaded chunks: without it every module in the binary is
    // evaluated at start, and the agent's logger alone (consola, node:tty) costs each client call ~20 ms.
    splitting: true,
    minify: true,
    // Precompiled bytecode: the client starts without parsing its JavaScript (about 2 ms a call).
    bytecode: true,
    format: "esm",
    sourcemap: "none",
  });
  if (!result.success) {
    for (const log of result.logs) console.error(log);
    throw new Error(`build of ${basename(outfile)} failed`);
  }
}

/** Puts the folder `from` at `to`, moving any previous `to` aside first and removing it after. */
function replaceFolder(from: string, to: string): void {
  // rename(2) cannot replace a non-empty directory: the old one goes aside, then the new one takes
  // its name. Between the two renames `to` is briefly absent, never half old and half new.
  const old = existsSync(to) ? mkdtempSync(`${to}.old-`) : undefined;
  if (old) renameSync(to, join(old, "release"));
  renameSync(from, to);
  if (old) rmSync(old, { recursive: true, force: true });
}

/** Runs a binary built for this machine and checks that it reports the package's version. */
async function checkVersion(binary: string): Promise<void> {
  const proc = Bun.spawn([binary, "--version"], { stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  if (code !== 0 || out.trim() !== pkg.version) {
    throw new Error(
      `${basename(binary)} --version gave "${out.trim()}" (exit ${code}) ${err.trim()}; expected ${pkg.version}`,
    );
  }
  console.log(`ran ${basename(binary)} --version: ${out.trim()}`);
}

async function sha256(path: string): Promise<string> {
  const hasher = new Bun.CryptoHasher("sha256");
  for await (const chunk of Bun.file(path).stream()) hasher.update(chunk);
  return hasher.digest("hex");
}

if (import.meta.main) {
  if (process.argv.includes("--all")) {
    await release();
  } else {
    await build(HOST_OUTFILE);
    console.log(`built ${HOST_OUTFILE} (unitsync ${pkg.version})`);
  }
}
