package io.kipvs.e2e.bench;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An allocation pattern like the informers' first list: many small objects, a tenth of them kept to
 * the end (as the tracker keeps its model), the rest garbage at once. Prints its own time.
 */
public final class AllocationMain {
  private AllocationMain() {}

  public static void main(String[] args) {
    int objects = Integer.parseInt(args[0]);
    long start = System.nanoTime();
    List<Object> kept = new ArrayList<>();
    long sum = 0;
    for (int i = 0; i < objects; i++) {
      Map<String, Object> m = new HashMap<>();
      m.put("name", "svc-" + i);
      m.put("ip", new byte[16 + (i % 8)]);
      m.put("ports", new ArrayList<>(List.of("a" + i, "b" + i, "c" + i)));
      if (i % 10 == 0) {
        kept.add(m);
      }
      sum += m.hashCode();
    }
    System.out.println(
        "allocated in "
            + (System.nanoTime() - start) / 1_000_000
            + " ms, kept "
            + kept.size()
            + " ("
            + sum
            + ")");
  }
}
