/**
 * Compiles src/main.ts into a single self-contained binary.
 *   bun run build.ts          dist/unitsync for this machine
 *   bun run build.ts --all    dist/unitsync-<os>-<arch> for every release target, plus SHA256SUMS
 */
import pkg from "./package.json" with { type: "json" };

export const HOST_OUTFILE = "dist/unitsync";

/** Builds one binary; throws with Bun's logs when the build fails. */
export async function build(outfile: string, target?: Bun.Build.CompileTarget): Promise<void> {
  const result = await Bun.build({
    entrypoints: ["src/main.ts"],
    compile: {
      outfile,
      ...(target && { target }),
      // A compiled binary would otherwise read .env and bunfig.toml from whatever directory it starts in.
      autoloadDotenv: false,
      autoloadBunfig: false,
    },
    minify: true,
    sourcemap: "none",
    define: { "process.env.UNITSYNC_BUILD_VERSION": JSON.stringify(pkg.version) },
  });
  if (!result.success) {
    for (const log of result.logs) console.error(log);
    throw new Error(`build of ${outfile} failed`);
  }
}

if (import.meta.main) {
  await build(HOST_OUTFILE);
  console.log(`built ${HOST_OUTFILE} (unitsync ${pkg.version})`);
}
