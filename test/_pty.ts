/**
 * A pseudo-terminal for the tests that check what a person sees: the command runs under script(1),
 * so its stdout and stderr are a TTY; what it draws comes out on script's stdout, read as it arrives.
 */
import { cleanEnv } from "./_helpers.ts";

/** A command running on a pseudo-terminal. */
export interface Terminal {
  /** Everything drawn so far (both streams, with the terminal's \r\n line ends). */
  screen(): string;
  exited: Promise<number>;
}

/**
 * Runs a shell command on a pseudo-terminal. The environment is the tests' (cleanEnv, NO_COLOR=1)
 * unless `color`: then NO_COLOR is left out and TERM set, as in a person's terminal session.
 */
export function onTerminal(command: string, { color = false }: { color?: boolean } = {}): Terminal {
  const env = cleanEnv();
  if (color) {
    delete env.NO_COLOR;
    delete env.FORCE_COLOR;
    env.TERM = "xterm-256color";
  }
  const proc = Bun.spawn(["script", "-qfec", command, "/dev/null"], {
    env,
    stdin: "pipe",
    stdout: "pipe",
    stderr: "pipe",
  });
  let screen = "";
  const drained = (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of proc.stdout) screen += decoder.decode(chunk, { stream: true });
  })();
  const exited = Promise.all([proc.exited, drained, new Response(proc.stderr).text()]).then(([code]) => code);
  return { screen: () => screen, exited };
}
