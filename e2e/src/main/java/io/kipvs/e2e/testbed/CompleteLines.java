package io.kipvs.e2e.testbed;

import java.util.stream.Stream;

/**
 * The lines of a file another process is still writing, without the last one until its newline
 * arrives. {@code printf} in Java writes each piece of its format as a separate write, so a reader
 * can see "first-touch " before the numbers that follow it.
 */
public final class CompleteLines {
  private CompleteLines() {}

  public static Stream<String> of(String text) {
    return text.substring(0, text.lastIndexOf('\n') + 1).lines();
  }
}
