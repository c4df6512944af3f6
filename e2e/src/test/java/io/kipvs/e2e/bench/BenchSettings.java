package io.kipvs.e2e.bench;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The benchmark's knobs, from system properties (Maven passes {@code -D} on to the tests).
 *
 * @param scales service counts, smallest first ({@code kipvs.bench.services}, comma-separated)
 * @param endpoints endpoints per service ({@code kipvs.bench.endpoints})
 * @param changes endpoint changes timed per scale ({@code kipvs.bench.changes})
 * @param syncPeriod the daemon's --ipvs-sync-period ({@code kipvs.bench.syncPeriod})
 * @param daemonXmx a -Xmx for the daemon instead of jvm.options' ({@code kipvs.bench.xmx})
 * @param jfr record a JFR profile of each daemon into the node's output folder
 * @param daemonJvmOptions more JVM options for the daemon ({@code kipvs.bench.daemonJvmOptions},
 *     space-separated; e.g. GC logging into the node's output folder, /run/out)
 * @param populateThreads parallel requests creating the objects
 * @param nodeMemory the node's memory
 */
record BenchSettings(
    List<Integer> scales,
    int endpoints,
    int changes,
    String syncPeriod,
    Optional<String> daemonXmx,
    boolean jfr,
    List<String> daemonJvmOptions,
    int populateThreads,
    String nodeMemory) {

  /** The full benchmark: 1,000 and 10,000 services, DaemonSet flags (30 s sync period). */
  static BenchSettings full() {
    return new BenchSettings(
        scales(System.getProperty("kipvs.bench.services", "1000,10000")),
        Integer.getInteger("kipvs.bench.endpoints", 10),
        Integer.getInteger("kipvs.bench.changes", 200),
        System.getProperty("kipvs.bench.syncPeriod", "30s"),
        Optional.ofNullable(System.getProperty("kipvs.bench.xmx")),
        Boolean.getBoolean("kipvs.bench.jfr"),
        Arrays.stream(System.getProperty("kipvs.bench.daemonJvmOptions", "").split(" "))
            .filter(o -> !o.isBlank())
            .toList(),
        16,
        "2G");
  }

  /** The harness on 50 services, fast enough for every build. */
  static BenchSettings smoke() {
    return new BenchSettings(
        List.of(50), 10, 20, "5s", Optional.empty(), false, List.of(), 8, "1G");
  }

  /** The idle resync is measured at the largest scale. */
  boolean idleAt(int services) {
    return services == scales.get(scales.size() - 1);
  }

  private static List<Integer> scales(String text) {
    return Arrays.stream(text.split(","))
        .map(String::strip)
        .map(Integer::valueOf)
        .sorted()
        .toList();
  }
}
