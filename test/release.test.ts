/**
 * The release build: the host binary (built by `npm test`) is what `npm run release` would ship for
 * this machine. The six cross-compiled targets are built only by `npm run release` (about 100 MiB
 * each), which checks each of them with the same format rules tested here.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describeBinary, hostTarget, RELEASE_TARGETS, writeChecksums } from "../build.ts";
import pkg from "../package.json" with { type: "json" };
import { BIN, run, tempDir } from "./_helpers.ts";
import { ROOT } from "./_release-fixture.ts";
import { missing } from "./_tools.ts";

describe("release", () => {
  test("the binary reports the package's version", async () => {
    expect(await run(["--version"])).toEqual({ stdout: `${pkg.version}\n`, stderr: "", exitCode: 0 });
  });

  test("builds the six targets install.sh knows, named alike", () => {
    const names = [
      "linux-x64",
      "linux-arm64",
      "linux-x64-musl",
      "linux-arm64-musl",
      "darwin-x64",
      "darwin-arm64",
    ];
    expect(Object.keys(RELEASE_TARGETS)).toEqual(names);
    const installer = readFileSync(join(ROOT, "install.sh"), "utf8");
    expect(/^TARGETS="(.*)"$/m.exec(installer)?.[1]?.split(" ")).toEqual(names);
    for (const [name, target] of Object.entries(RELEASE_TARGETS))
      expect(target.bun as string).toBe(`bun-${name}`);
  });

  test.skipIf(missing("file"))(
    "file(1)'s description of the host binary matches its target's format rule and no other",
    async () => {
      const host = hostTarget();
      expect(host).toBeDefined();
      const format = await describeBinary(BIN);
      const matching = Object.entries(RELEASE_TARGETS).filter(([, target]) => target.format.test(format));
      expect(matching.map(([name]) => name)).toEqual([host as string]);
    },
  );

  test("the format rules tell every target apart by what file(1) says about it", () => {
    // What file(1) 5.44 says about Bun 1.4.4's binaries for each target (BuildIDs shortened).
    const described: Record<string, string> = {
      "linux-x64":
        "ELF 64-bit LSB executable, x86-64, version 1 (SYSV), dynamically linked, interpreter /lib64/ld-linux-x86-64.so.2, for GNU/Linux 3.2.0, BuildID[sha1]=00, not stripped",
      "linux-arm64":
        "ELF 64-bit LSB executable, ARM aarch64, version 1 (SYSV), dynamically linked, interpreter /lib/ld-linux-aarch64.so.1, for GNU/Linux 3.7.0, BuildID[sha1]=00, not stripped",
      "linux-x64-musl":
        "ELF 64-bit LSB executable, x86-64, version 1 (SYSV), dynamically linked, interpreter /lib/ld-musl-x86_64.so.1, BuildID[sha1]=00, not stripped",
      "linux-arm64-musl":
        "ELF 64-bit LSB executable, ARM aarch64, version 1 (SYSV), dynamically linked, interpreter /lib/ld-musl-aarch64.so.1, BuildID[sha1]=00, not stripped",
      "darwin-x64": "Mach-O 64-bit x86_64 executable, flags:<NOUNDEFS|DYLDLINK|TWOLEVEL|BINDS_TO_WEAK|PIE>",
      "darwin-arm64": "Mach-O 64-bit arm64 executable, flags:<NOUNDEFS|DYLDLINK|TWOLEVEL|BINDS_TO_WEAK|PIE>",
    };
    for (const [name, text] of Object.entries(described)) {
      const matching = Object.entries(RELEASE_TARGETS).filter(([, target]) => target.format.test(text));
      expect(matching.map(([target]) => target)).toEqual([name]);
    }
  });

  test("SHA256SUMS is in the format sha256sum -c checks", async () => {
    using dir = tempDir();
    writeFileSync(join(dir.path, "unitsync-linux-x64"), "binary\n");
    writeFileSync(join(dir.path, "install.sh"), "#!/bin/sh\n");
    await writeChecksums(dir.path, ["unitsync-linux-x64", "install.sh"]);
    const proc = Bun.spawn(["sha256sum", "-c", "SHA256SUMS"], {
      cwd: dir.path,
      stdout: "pipe",
      stderr: "pipe",
    });
    const [out, , code] = await Promise.all([
      new Response(proc.stdout).text(),
      new Response(proc.stderr).text(),
      proc.exited,
    ]);
    expect({ out, code }).toEqual({ out: "unitsync-linux-x64: OK\ninstall.sh: OK\n", code: 0 });
  });
});
