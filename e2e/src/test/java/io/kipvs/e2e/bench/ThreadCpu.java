package io.kipvs.e2e.bench;

import io.kipvs.e2e.testbed.Node;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The CPU of every thread of a process in a node, from {@code /proc/PID/task/TID/stat} (the JVM
 * names its own native threads too: "VM Thread", "C1 CompilerThre", ...). Two samples give each
 * thread's share of a window; threads that ended inside it show up only in the process total.
 *
 * @param ticksPerSecond the node's clock ticks per second
 * @param process the process's utime + stime (all threads, ended ones included)
 * @param children cutime + cstime: the CPU of its waited-for child processes
 * @param threads utime + stime per live thread, by "TID name"
 */
record ThreadCpu(long ticksPerSecond, long process, long children, Map<String, long[]> threads) {

  static ThreadCpu sample(Node node, long pid) {
    String out =
        node.run(
            "getconf CLK_TCK; cat /proc/"
                + pid
                + "/stat; cat /proc/"
                + pid
                + "/task/*/stat 2>/dev/null || true");
    String[] lines = out.strip().split("\n");
    long tick = Long.parseLong(lines[0].strip());
    long[] self = times(lines[1]);
    Map<String, long[]> threads = new LinkedHashMap<>();
    for (int i = 2; i < lines.length; i++) {
      // A thread that ended while cat ran leaves no line (cat fails on it, hence the || true).
      String line = lines[i];
      String name = line.substring(line.indexOf('(') + 1, line.lastIndexOf(')'));
      String tid = line.substring(0, line.indexOf(' '));
      threads.put(tid + " " + name, times(line));
    }
    return new ThreadCpu(tick, self[0] + self[1], self[2] + self[3], threads);
  }

  /** utime, stime, cutime, cstime of one stat line (fields 14 to 17). */
  private static long[] times(String statLine) {
    String[] f = statLine.substring(statLine.lastIndexOf(')') + 2).split(" ");
    // f[0] is field 3 (state): utime (field 14) is f[11].
    return new long[] {
      Long.parseLong(f[11]), Long.parseLong(f[12]), Long.parseLong(f[13]), Long.parseLong(f[14])
    };
  }

  /** What happened between {@code before} and this sample, in ms, largest threads first. */
  String since(ThreadCpu before) {
    long ms = 1000 / ticksPerSecond;
    List<String[]> rows = new ArrayList<>();
    long threadSum = 0;
    for (Map.Entry<String, long[]> e : threads.entrySet()) {
      long[] now = e.getValue();
      long[] then = before.threads().getOrDefault(e.getKey(), new long[4]);
      long user = (now[0] - then[0]) * ms;
      long sys = (now[1] - then[1]) * ms;
      threadSum += user + sys;
      if (user + sys > 0) {
        rows.add(new String[] {e.getKey(), Long.toString(user), Long.toString(sys)});
      }
    }
    rows.sort(
        Comparator.comparingLong((String[] r) -> Long.parseLong(r[1]) + Long.parseLong(r[2]))
            .reversed());
    StringBuilder b = new StringBuilder();
    b.append(
        String.format(
            "process %,d ms (live threads %,d ms, ended threads %,d ms), child processes %,d ms%n",
            (process - before.process()) * ms,
            threadSum,
            (process - before.process()) * ms - threadSum,
            (children - before.children()) * ms));
    for (String[] r : rows) {
      b.append(
          String.format(
              "  %-40s user %,6d ms  sys %,6d ms%n",
              r[0], Long.parseLong(r[1]), Long.parseLong(r[2])));
    }
    return b.toString();
  }
}
