/**
 * Compiles src/main.ts into a single self-contained binary.
 *   bun run build.ts          dist/unitsync for this machine
 *   bun run build.ts --all    dist/unitsync-<os>-<arch> for every release target, plus SHA256SUMS
 */
import { copyFileSync, existsSync, renameSync, statSync } from "node:fs";
import pkg from "./package.json" with { type: "json" };

export const HOST_OUTFILE = "dist/unitsync";

/**
 * The release targets: `dist/unitsync-<name>` is built with Bun's compile target `bun`, and `file`
 * must describe it as `format`. Bun takes each target's runtime from the npm registry
 * (`@oven/bun-<os>-<arch>[-musl]` at the version of the Bun that builds) on first use and keeps it in
 * its install cache (~/.bun/install/cache), so later releases build offline.
 */
export const RELEASE_TARGETS = {
  "linux-x64": {
    bun: "bun-linux-x64",
    format: /^ELF 64-bit LSB .*x86-64.*interpreter \/lib64\/ld-linux-x86-64/,
  },
  "linux-arm64": {
    bun: "bun-linux-arm64",
    format: /^ELF 64-bit LSB .*ARM aarch64.*interpreter \/lib\/ld-linux-aarch64/,
  },
  "linux-x64-musl": {
    bun: "bun-linux-x64-musl",
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
  // never sees a half-written file.
  const partial = `${outfile}.${process.pid}.partial`;
  const result = await Bun.build({
    entrypoints: ["src/main.ts"],
    compile: {
      outfile: partial,
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
    throw new Error(`build of ${outfile} failed`);
  }
  renameSync(partial, outfile);
}

/** The release target this machine runs, as install.sh picks it (musl when the musl loader is present). */
export function hostTarget(): ReleaseTarget | undefined {
  const arch = { x64: "x64", arm64: "arm64" }[process.arch as string];
  if (!arch || (process.platform !== "linux" && process.platform !== "darwin")) return undefined;
  const musl =
    process.platform === "linux" && existsSync(`/lib/ld-musl-${arch === "x64" ? "x86_64" : "aarch64"}.so.1`);
  return `${process.platform}-${arch}${musl ? "-musl" : ""}` as ReleaseTarget;
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

/**
 * Builds every release target into dist/, checks each binary's format with file(1) and runs the one
 * for this machine, then writes dist/SHA256SUMS (sha256sum's format) and copies install.sh beside them.
 */
export async function release(dir = "dist"): Promise<void> {
  const names: string[] = [];
  for (const [name, target] of Object.entries(RELEASE_TARGETS)) {
    const outfile = `${dir}/unitsync-${name}`;
    try {
      await build(outfile, target.bun);
    } catch (error) {
      throw new Error(
        `${(error as Error).message}: the ${target.bun} runtime comes from the npm registry on first use; check that it is reachable`,
      );
    }
    const format = await describeBinary(outfile);
    if (!target.format.test(format))
      throw new Error(`${outfile} is not a ${name} binary: file says "${format}"`);
    names.push(`unitsync-${name}`);
    console.log(
      `built ${outfile} (${(statSync(outfile).size / 2 ** 20).toFixed(1)} MiB): ${format.replace(/, BuildID\[[^\]]*\]=\w+/, "")}`,
    );
  }
  const host = hostTarget();
  if (host) await checkVersion(`${dir}/unitsync-${host}`);
  copyFileSync("install.sh", `${dir}/install.sh`);
  names.push("install.sh");
  await writeChecksums(dir, names);
  console.log(`wrote ${dir}/SHA256SUMS (${names.length} files) for unitsync ${pkg.version}`);
}

/** Writes `dir/SHA256SUMS` for the named files of `dir`, in sha256sum's format (`sha256sum -c` reads it). */
export async function writeChecksums(dir: string, names: string[]): Promise<void> {
  const lines = await Promise.all(names.map(async (name) => `${await sha256(`${dir}/${name}`)}  ${name}\n`));
  await Bun.write(`${dir}/SHA256SUMS.partial`, lines.join(""));
  renameSync(`${dir}/SHA256SUMS.partial`, `${dir}/SHA256SUMS`);
}

// --- internal ---

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
      `${binary} --version gave "${out.trim()}" (exit ${code}) ${err.trim()}; expected ${pkg.version}`,
    );
  }
  console.log(`ran ${binary} --version: ${out.trim()}`);
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
