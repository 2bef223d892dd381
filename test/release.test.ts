/**
 * The release build. The six cross-compiled targets (about 100 MiB each) are built in full only by
 * `npm run release`, which checks each of them with the same format rules tested here; these tests
 * run the same release code for this machine's target alone, to keep within test time.
 */
import { describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseHcl } from "@cdktf/hcl2json";
import {
  describeBinary,
  elfInterpreter,
  hostTarget,
  RELEASE_ARCHIVES,
  RELEASE_ROOT,
  RELEASE_TARGETS,
  releaseUrl,
  writeChecksums,
} from "../build.ts";
import pkg from "../package.json" with { type: "json" };
import { BIN, cleanEnv, run, tempDir } from "./_helpers.ts";
import {
  CAN_UNSHARE_MOUNTS,
  fakeBinary,
  makeRelease,
  ROOT,
  requireHostTarget,
  withMuslLoader,
} from "./_release-fixture.ts";
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
    // Bun's target names, with its baseline runtime for Linux on x64 (see RELEASE_TARGETS).
    expect(
      Object.fromEntries(Object.entries(RELEASE_TARGETS).map(([name, target]) => [name, target.bun])),
    ).toEqual({
      "linux-x64": "bun-linux-x64-baseline",
      "linux-arm64": "bun-linux-arm64",
      "linux-x64-musl": "bun-linux-x64-baseline-musl",
      "linux-arm64-musl": "bun-linux-arm64-musl",
      "darwin-x64": "bun-darwin-x64",
      "darwin-arm64": "bun-darwin-arm64",
    });
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

  test("the README's platform table names every target, and the release folder npm run release writes", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const install = readme.slice(
      readme.indexOf("## Install"),
      readme.indexOf("\n## ", readme.indexOf("## Install") + 1),
    );
    const table = install.split("\n").filter((line) => line.startsWith("| `"));
    expect(
      table.flatMap((row) => [...(row.split("|")[1] ?? "").matchAll(/`([^`]+)`/g)].map((m) => m[1])).sort(),
    ).toEqual(Object.keys(RELEASE_TARGETS).sort());
    expect(install).toContain(`dist/release/v${pkg.version}/`);
  });

  test("the README's install section leads with the Coder module, the Feature and install.sh, from this version's release", async () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const install = readme.slice(
      readme.indexOf("## Install"),
      readme.indexOf("\n## ", readme.indexOf("## Install") + 1),
    );
    const blocks = [...install.matchAll(/```(\w+)\n([\s\S]*?)```/g)].map(
      (m) => [m[1], m[2] as string] as const,
    );
    expect(blocks.slice(0, 3).map(([lang]) => lang)).toEqual(["tf", "json", "sh"]);
    const url = releaseUrl(pkg.version);
    const [tf, json, sh] = blocks.map(([, text]) => text);
    const module = (await parseHcl("README.tf", tf as string)) as {
      module: Record<string, [{ source: string }]>;
    };
    expect(Object.values(module.module)[0]?.[0].source).toBe(
      `${url}/unitsync-coder-module-v${pkg.version}.tar.gz`,
    );
    expect(Object.keys(JSON.parse(`{${json}}`).features)).toEqual([
      `${url}/devcontainer-feature-unitsync.tgz`,
    ]);
    expect(sh?.trim()).toBe(`curl -fsSL ${url}/install.sh | sh -s -- --from ${url}`);
  });

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

describe("npm run release", () => {
  const HOST = requireHostTarget();
  const FOLDER = `v${pkg.version}`;

  test.skipIf(missing("file"))(
    "builds into a versioned folder of its own, the same bytes every time",
    async () => {
      using dir = tempDir();
      const root = join(dir.path, "release");
      const first = await release(root, [HOST]);
      expect(first).toMatchObject({ exitCode: 0, stderr: "" });
      expect(first.stdout).toContain(`ran unitsync-${HOST} --version: ${pkg.version}`);
      const folder = join(root, FOLDER);
      expect(readdirSync(root)).toEqual([FOLDER]);
      const archives = [`unitsync-coder-module-v${pkg.version}.tar.gz`, "devcontainer-feature-unitsync.tgz"];
      expect(readdirSync(folder).sort()).toEqual(
        ["RELEASE.md", "SHA256SUMS", "install.sh", `unitsync-${HOST}`, ...archives].sort(),
      );
      expect(await sha256sumCheck(folder)).toEqual({
        out: [`unitsync-${HOST}`, "install.sh", ...archives, "RELEASE.md"]
          .map((name) => `${name}: OK\n`)
          .join(""),
        code: 0,
      });
      const sums = readFileSync(join(folder, "SHA256SUMS"), "utf8");

      // Again, into the same place: built in another temporary folder, then swapped in whole.
      expect((await release(root, [HOST])).exitCode).toBe(0);
      expect(readdirSync(root)).toEqual([FOLDER]);
      expect(readFileSync(join(folder, "SHA256SUMS"), "utf8")).toBe(sums);
    },
  );

  test.skipIf(missing("file"))(
    "carries the Coder module and the Feature as archives, and a RELEASE.md whose lines install this release",
    async () => {
      using dir = tempDir();
      const root = join(dir.path, "release");
      const url = "https://downloads.example.org/unitsync/v9";
      expect(await release(root, [HOST], { UNITSYNC_RELEASE_URL: `${url}/` })).toMatchObject({ exitCode: 0 });
      const folder = join(root, FOLDER);
      for (const [archive, source] of Object.entries(RELEASE_ARCHIVES)) {
        const out = join(dir.path, archive);
        mkdirSync(out);
        const tar = Bun.spawnSync([
          "tar",
          "-xzf",
          join(folder, archive.replace("<version>", pkg.version)),
          "-C",
          out,
        ]);
        expect(tar.exitCode).toBe(0);
        expect(readdirSync(out).sort()).toEqual(readdirSync(join(ROOT, source)).sort());
        for (const name of readdirSync(out)) {
          expect(readFileSync(join(out, name), "utf8")).toBe(readFileSync(join(ROOT, source, name), "utf8"));
          expect(statSync(join(out, name)).mode & 0o777).toBe(
            statSync(join(ROOT, source, name)).mode & 0o111 ? 0o755 : 0o644,
          );
        }
      }
      const notes = readFileSync(join(folder, "RELEASE.md"), "utf8");
      const sums = Object.fromEntries(
        readFileSync(join(folder, "SHA256SUMS"), "utf8")
          .trim()
          .split("\n")
          .map((line) => line.split(/\s+/).reverse()),
      );
      expect(notes).toStartWith(`# unitsync ${pkg.version}\n`);
      expect(notes).toContain(`curl -fsSL ${url}/install.sh | sh -s -- --from ${url}`);
      expect(notes).toContain(`| \`unitsync-${HOST}\` | \`${sums[`unitsync-${HOST}`]}\` |`);
      expect(notes).toContain(`source      = "${url}/unitsync-coder-module-v${pkg.version}.tar.gz"`);
      expect(notes).toContain(`"${url}/devcontainer-feature-unitsync.tgz": { "source": "${url}"`);
      // The copy-paste blocks parse as what they claim to be.
      const block = (lang: string) =>
        [...notes.matchAll(new RegExp(`\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``, "g"))].map((m) => m[1] as string);
      expect([
        block("tf").length,
        block("yaml").length,
        block("json").length,
        block("dockerfile").length,
      ]).toEqual([1, 1, 1, 2]);
      for (const tf of block("tf")) await parseHcl("RELEASE.tf", tf);
      for (const yaml of block("yaml")) expect(Bun.YAML.parse(yaml)).toHaveProperty("runcmd");
      for (const json of block("json")) expect(Object.keys(JSON.parse(`{${json}}`))).toEqual(["features"]);
    },
  );

  test("a release that fails a check leaves the previous one whole, and nothing beside it", async () => {
    using dir = tempDir();
    const root = join(dir.path, "release");
    const previous = await makeRelease(join(root, FOLDER), { [HOST]: fakeBinary("0.0.9") });
    const sums = readFileSync(join(previous, "SHA256SUMS"), "utf8");
    // A file(1) that calls every binary "data": the format check fails after the build.
    const bin = join(dir.path, "bin");
    mkdirSync(bin);
    writeFileSync(join(bin, "file"), "#!/bin/sh\necho data\n");
    chmodSync(join(bin, "file"), 0o755);
    const result = await release(root, [HOST], { PATH: `${bin}:${process.env.PATH}` });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(`unitsync-${HOST} is not a ${HOST} binary: file says "data"`);
    expect(readdirSync(root)).toEqual([FOLDER]);
    expect(readFileSync(join(previous, "SHA256SUMS"), "utf8")).toBe(sums);
    expect(await sha256sumCheck(previous)).toMatchObject({ code: 0 });
  });

  test.skipIf(!CAN_UNSHARE_MOUNTS)(
    "with Debian's musl package beside glibc, the host check picks the glibc binary",
    async () => {
      using ns = withMuslLoader([
        process.execPath,
        "-e",
        `import { hostTarget } from ${JSON.stringify(join(ROOT, "build.ts"))}; console.log(hostTarget());`,
      ]);
      const proc = Bun.spawn(ns.argv, { env: cleanEnv(), stdout: "pipe", stderr: "pipe" });
      const [out, err, code] = await Promise.all([
        new Response(proc.stdout).text(),
        new Response(proc.stderr).text(),
        proc.exited,
      ]);
      expect({ out, err, code }).toEqual({ out: `${HOST}\n`, err: "", code: 0 });
    },
  );

  test("reads the C library from an ELF file's program interpreter", () => {
    using dir = tempDir();
    expect(elfInterpreter(BIN)).toMatch(/^\/lib(64)?\/ld-linux-(x86-64|aarch64)\.so\.\d$/);
    const musl = join(dir.path, "musl-elf");
    writeFileSync(musl, elfWithInterpreter("/lib/ld-musl-aarch64.so.1"));
    expect(elfInterpreter(musl)).toBe("/lib/ld-musl-aarch64.so.1");
    writeFileSync(join(dir.path, "script"), fakeBinary("1.0.0"));
    expect(elfInterpreter(join(dir.path, "script"))).toBeUndefined();
    expect(elfInterpreter(join(dir.path, "missing"))).toBeUndefined();
  });
});

// --- internal ---

/** Runs `release({ root, targets })` from build.ts in a child process, as `npm run release` does. */
async function release(root: string, targets: string[], env: Record<string, string> = {}) {
  const script = `import { release } from ${JSON.stringify(join(ROOT, "build.ts"))};
await release({ root: ${JSON.stringify(root)}, targets: ${JSON.stringify(targets)} });`;
  const proc = Bun.spawn([process.execPath, "-e", script], {
    cwd: ROOT,
    env: cleanEnv(env),
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, exitCode] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { stdout, stderr, exitCode };
}

async function sha256sumCheck(dir: string): Promise<{ out: string; code: number }> {
  const proc = Bun.spawn(["sha256sum", "-c", "SHA256SUMS"], { cwd: dir, stdout: "pipe", stderr: "pipe" });
  const [out, , code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { out, code };
}

/** The smallest 64-bit little-endian ELF header with one program header: PT_INTERP naming `interpreter`. */
function elfWithInterpreter(interpreter: string): Buffer {
  const elf = Buffer.alloc(64 + 56 + interpreter.length + 1);
  elf.writeUInt32BE(0x7f454c46, 0);
  elf[4] = 2; // ELFCLASS64
  elf[5] = 1; // ELFDATA2LSB
  elf.writeBigUInt64LE(64n, 0x20); // e_phoff
  elf.writeUInt16LE(56, 0x36); // e_phentsize
  elf.writeUInt16LE(1, 0x38); // e_phnum
  elf.writeUInt32LE(3, 64); // p_type PT_INTERP
  elf.writeBigUInt64LE(120n, 64 + 0x08); // p_offset
  elf.writeBigUInt64LE(BigInt(interpreter.length + 1), 64 + 0x20); // p_filesz
  elf.write(interpreter, 120, "latin1");
  return elf;
}

describe(".github/workflows/release.yml", () => {
  interface Step {
    name?: string;
    uses?: string;
    run?: string;
    with?: Record<string, string | number>;
    env?: Record<string, string>;
  }
  const workflow = Bun.YAML.parse(readFileSync(join(ROOT, ".github/workflows/release.yml"), "utf8")) as {
    on: { push: { tags: string[] } };
    permissions: Record<string, string>;
    jobs: Record<string, { "runs-on": string; steps: Step[] }>;
  };
  const steps = Object.values(workflow.jobs).flatMap((job) => job.steps);

  test("runs on a version tag, builds with npm run release, and uploads that release folder with RELEASE.md as notes", () => {
    expect(workflow.on.push.tags).toEqual(["v*"]);
    expect(workflow.permissions).toMatchObject({ contents: "write" });
    const build = steps.find((step) => step.run === "npm run release");
    expect(build?.env?.UNITSYNC_RELEASE_URL).toBe(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: GitHub Actions' syntax, not JavaScript's
      "https://github.com/${{ github.repository }}/releases/download/${{ github.ref_name }}",
    );
    const upload = steps.find((step) => step.run?.includes("gh release create"));
    expect(upload?.run).toContain(`"${RELEASE_ROOT}/$GITHUB_REF_NAME"/*`);
    expect(upload?.run).toContain(`--notes-file "${RELEASE_ROOT}/$GITHUB_REF_NAME/RELEASE.md"`);
    // The tag must be the version, or the folder npm run release writes is not the one uploaded.
    expect(steps.some((step) => step.run?.includes('"$GITHUB_REF_NAME" != "v$version"'))).toBe(true);
    const node = steps.find((step) => step.uses?.startsWith("actions/setup-node"));
    expect(Number(node?.with?.["node-version"])).toBeGreaterThanOrEqual(
      Number(/\d+/.exec(pkg.engines.node)?.[0]),
    );
    expect(steps.findIndex((step) => step.run?.includes("npm test"))).toBeLessThan(
      steps.indexOf(build as Step),
    );
  });

  test.skipIf(missing("shellcheck"))(
    "its run steps pass shellcheck (bash, as Actions runs them)",
    async () => {
      using dir = tempDir();
      const files = steps
        .filter((step) => step.run)
        .map((step, i) => {
          const path = join(dir.path, `step-${i}.sh`);
          // An expression is replaced by a word before the shell sees it.
          writeFileSync(path, `#!/bin/bash\n${(step.run as string).replace(/\$\{\{[^}]*\}\}/g, "x")}\n`);
          return path;
        });
      const proc = Bun.spawn(["shellcheck", ...files], { stdout: "pipe", stderr: "pipe" });
      const [out, err, code] = await Promise.all([
        new Response(proc.stdout).text(),
        new Response(proc.stderr).text(),
        proc.exited,
      ]);
      expect({ out, err, code }).toEqual({ out: "", err: "", code: 0 });
    },
  );
});
