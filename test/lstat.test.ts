/**
 * The client's lstat without node:fs (src/lib/lstat.ts) must see exactly what node:fs sees: the
 * socket check's verdict rests on these bits (type, mode, owner), and a wrong offset in the statx
 * buffer would let the wrong socket be trusted or the right one refused.
 */
import { describe, expect, test } from "bun:test";
import {
  chmodSync,
  closeSync,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { fdInfo, lstatInfo, statInfo, statxInfo } from "../src/lib/lstat.ts";
import { tempDir } from "./_helpers.ts";

/** What node:fs says of `path`, in lstat.ts's terms. */
function expected(path: string) {
  const { mode, uid, gid } = lstatSync(path);
  return { mode, uid, gid };
}

describe("lstatInfo", () => {
  test("sees every kind of file as node:fs does, a symbolic link itself included", async () => {
    using dir = tempDir();
    const socket = join(dir.path, "s.sock");
    const listener = Bun.listen({ unix: socket, socket: { data() {} } });
    try {
      const file = join(dir.path, "file");
      writeFileSync(file, "x");
      chmodSync(file, 0o4751); // setuid and odd bits survive
      const sub = join(dir.path, "sub");
      mkdirSync(sub, { mode: 0o1733 });
      chmodSync(sub, 0o1733);
      const link = join(dir.path, "link");
      symlinkSync(socket, link);
      const dangling = join(dir.path, "dangling");
      symlinkSync(join(dir.path, "nothing"), dangling);
      const fifo = join(dir.path, "fifo");
      expect(Bun.spawnSync(["mkfifo", fifo]).exitCode).toBe(0);
      const paths = [dir.path, socket, file, sub, link, dangling, fifo, "/dev/null", "/", "/tmp"];
      for (const path of paths)
        expect({ path, info: await lstatInfo(path) }).toEqual({ path, info: expected(path) });
      // On Linux x64 and arm64 the answers come from statx, not from the node:fs fallback.
      if (process.platform === "linux" && ["x64", "arm64"].includes(process.arch)) {
        for (const path of paths)
          expect({ path, info: statxInfo(path) }).toEqual({ path, info: expected(path) });
      }
    } finally {
      listener.stop(true);
    }
  });

  test("a path that is not there, or cannot be a path, is undefined", async () => {
    using dir = tempDir();
    expect(await lstatInfo(join(dir.path, "missing"))).toBeUndefined();
    expect(await lstatInfo(join(dir.path, "missing", "deeper"))).toBeUndefined();
    expect(await lstatInfo("bad\0path")).toBeUndefined();
    expect(statxInfo("bad\0path")).toBeUndefined();
  });

  test("statInfo follows a symbolic link to what it names", async () => {
    using dir = tempDir();
    const file = join(dir.path, "file");
    writeFileSync(file, "x");
    const link = join(dir.path, "link");
    symlinkSync(file, link);
    expect(await statInfo(link)).toEqual(expected(file));
    expect(await statInfo(join(dir.path, "missing"))).toBeUndefined();
  });
});

describe("fdInfo", () => {
  test("sees an open file, a pipe and a character device as fstat does; a closed descriptor is undefined", async () => {
    using dir = tempDir();
    const file = join(dir.path, "file");
    writeFileSync(file, "x");
    chmodSync(file, 0o640);
    // A named pipe stands for a piped stderr (a build log); opened for reading and writing, it does not block.
    const fifo = join(dir.path, "fifo");
    expect(Bun.spawnSync(["mkfifo", fifo]).exitCode).toBe(0);
    const fds = [openSync(file, "r"), openSync("/dev/null", "r"), openSync(fifo, "r+")];
    try {
      for (const fd of fds) {
        const { mode, uid, gid } = fstatSync(fd);
        expect({ fd, info: await fdInfo(fd) }).toEqual({ fd, info: { mode, uid, gid } });
      }
    } finally {
      for (const fd of fds) closeSync(fd);
    }
    const closed = openSync(file, "r");
    closeSync(closed);
    expect(await fdInfo(closed)).toBeUndefined();
  });
});
