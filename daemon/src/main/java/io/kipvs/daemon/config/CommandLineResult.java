package io.kipvs.daemon.config;

/** What the command line asks for: run with a configuration, or print text and exit 0. */
public sealed interface CommandLineResult {
  /** Run (or clean up) with this configuration. */
  record Start(DaemonConfig config) implements CommandLineResult {}

  /** --help or --version: print this and exit 0. */
  record Print(String text) implements CommandLineResult {}
}
