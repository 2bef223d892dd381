/**
 * Compiles src/main.ts into a single self-contained binary.
 *   bun run build.ts          dist/unitsync for this machine
 *   bun run build.ts --all    dist/unitsync-<os>-<arch> for every release target, plus SHA256SUMS
 */
import { renameSync } from "node:fs";
import pkg from "./package.json" with { type: "json" };

export const HOST_OUTFILE = "dist/unitsync";

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

if (import.meta.main) {
  await build(HOST_OUTFILE);
  console.log(`built ${HOST_OUTFILE} (unitsync ${pkg.version})`);
}
