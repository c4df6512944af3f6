package io.kipvs.e2e.bench;

import java.nio.ByteBuffer;

/**
 * What a process pays for the first write to each page of fresh memory, against a second write to
 * the same pages. In a user-mode-linux node the first write to a page is a trip through the host; a
 * JVM's start-up touches all of its resident memory once, so this cost times the daemon's RSS is a
 * floor under its start-up in a node (BENCHMARKS.md, "Memory first touched in a node").
 *
 * <p>Prints {@code first-touch FIRST AGAIN} in microseconds per page.
 */
final class FirstTouchMain {
  private static final int PAGE = 4096;

  private FirstTouchMain() {}

  public static void main(String[] args) {
    double[] micros = measure(Integer.parseInt(args[0]));
    System.out.printf("first-touch %.2f %.2f%n", micros[0], micros[1]);
  }

  /** Microseconds per page: the first write to fresh memory, then a second write. */
  static double[] measure(int megabytes) {
    int length = megabytes << 20;
    int pages = length / PAGE;
    long t0 = System.nanoTime();
    // A direct buffer is zeroed when allocated: every page written once.
    ByteBuffer memory = ByteBuffer.allocateDirect(length);
    long t1 = System.nanoTime();
    for (int i = 0; i < length; i += PAGE) {
      memory.put(i, (byte) 1);
    }
    long t2 = System.nanoTime();
    return new double[] {(t1 - t0) / 1e3 / pages, (t2 - t1) / 1e3 / pages};
  }
}
