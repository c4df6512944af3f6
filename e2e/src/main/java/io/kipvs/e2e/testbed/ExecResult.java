package io.kipvs.e2e.testbed;

/**
 * What a command run in a node (or a pod) left behind.
 *
 * @param command the shell script that ran
 * @param exitCode its exit code
 * @param stdout everything it wrote to standard output
 * @param stderr everything it wrote to standard error
 */
public record ExecResult(String command, int exitCode, String stdout, String stderr) {

  public boolean succeeded() {
    return exitCode == 0;
  }

  /** Standard output without surrounding white space, for commands that print one value. */
  public String trimmed() {
    return stdout.strip();
  }

  @Override
  public String toString() {
    return "exit "
        + exitCode
        + " of `"
        + command
        + "`\n--- stdout ---\n"
        + stdout
        + "\n--- stderr ---\n"
        + stderr;
  }
}
