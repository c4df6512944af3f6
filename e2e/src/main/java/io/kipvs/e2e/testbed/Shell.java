package io.kipvs.e2e.testbed;

/** Quoting for the shell scripts the kit writes. */
final class Shell {
  private Shell() {}

  /** Single-quotes a word so that the shell takes it literally. */
  static String quote(String word) {
    return "'" + word.replace("'", "'\\''") + "'";
  }
}
