package io.kipvs.e2e.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * An idle JVM holding {@code args[0]} MB of live heap (touched once), then sleeping: the reference
 * for what a JVM costs a node while it does nothing.
 */
public final class IdleJvmMain {
  private IdleJvmMain() {}

  public static void main(String[] args) throws InterruptedException {
    int mb = Integer.parseInt(args[0]);
    List<byte[]> live = new ArrayList<>();
    for (int i = 0; i < mb; i++) {
      byte[] b = new byte[1 << 20];
      b[0] = 1;
      live.add(b);
    }
    System.out.println("holding " + live.size() + " MB");
    Thread.sleep(Long.MAX_VALUE);
  }
}
