package io.kipvs.e2e.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** The benchmark's table and its goals, as printed and pasted into BENCHMARKS.md. */
final class BenchReport {
  private final List<ScaleResult> results;

  BenchReport(List<ScaleResult> results) {
    this.results = List.copyOf(results);
  }

  String table() {
    List<String> out = new ArrayList<>();
    StringBuilder head = new StringBuilder("| measure |");
    StringBuilder rule = new StringBuilder("| --- |");
    for (ScaleResult r : results) {
      head.append(String.format(" %,d services x %d |", r.services(), r.endpoints()));
      rule.append(" ---: |");
    }
    out.add(head.toString());
    out.add(rule.toString());
    row(out, "API server populated (not timed below)", r -> ms(r.populate().toMillis()));
    row(
        out,
        "**full sync: daemon start to complete kernel state**",
        r -> bold(ms(r.startToComplete())));
    row(out, "- JVM start to informers started", r -> ms(r.startup()));
    row(out, "- listing (informers' first list)", r -> ms(r.listing()));
    row(
        out,
        "- listed to full sync start (proxier start-up)",
        r -> ms(r.startToComplete() - r.startup() - r.listing() - r.fullSync()));
    row(out, "- first full sync, total", r -> ms(r.fullSync()));
    // In the order a sync runs them: the rules new services need come before their addresses and
    // virtual servers, stale set members go last.
    String[] phases = {
      "snapshot",
      "desired state",
      "ipsets",
      "iptables",
      "kube-ipvs0 addresses",
      "IPVS read",
      "IPVS plan",
      "IPVS write",
      "stale ipset members"
    };
    for (String p : phases) {
      row(
          out,
          "  - " + (p.equals("IPVS write") ? "**kernel write (IPVS write)**" : p),
          r -> p.equals("IPVS write") ? bold(ms(r.phase(p))) : ms(r.phase(p)));
    }
    row(
        out,
        "  - IPVS operations (failed)",
        r -> String.format("%,d (%d)", r.operations(), r.failed()));
    row(
        out,
        "reference: `ipvsadm -R` of the final table",
        r ->
            ms(r.ipvsadmRestore()) + " (" + String.format("%,d", r.ipvsadmSaveLines()) + " lines)");
    row(out, "reference: `ipvsadm -Sn` of the final table", r -> ms(r.ipvsadmSave()));
    row(
        out,
        "**kernel write vs `ipvsadm -R`**",
        r -> bold(String.format("%.0fx faster", ratio(r))));
    row(
        out,
        "change latency, API write to kernel: p50",
        r -> String.format("%.1f ms", r.percentileMillis(50)));
    row(
        out,
        "**change latency: p99**",
        r -> bold(String.format("%.1f ms", r.percentileMillis(99))));
    row(
        out,
        "change latency: max (n)",
        r -> String.format("%.1f ms (%d)", r.percentileMillis(100), r.latenciesMicros().size()));
    row(
        out,
        "change latency from the API server's watch event: p50 / p99",
        r ->
            String.format(
                "%.1f / %.1f ms",
                ScaleResult.percentile(r.fromCommitMicros(), 50),
                ScaleResult.percentile(r.fromCommitMicros(), 99)));
    row(
        out,
        "the API write call on the host (client and mock server): p50 / p99",
        r ->
            String.format(
                "%.1f / %.1f ms",
                ScaleResult.percentile(r.apiWriteMicros(), 50),
                ScaleResult.percentile(r.apiWriteMicros(), 99)));
    row(
        out,
        "the node's clock ahead of the host's, measured over slirp (round trip)",
        r ->
            String.format(
                "%.1f ms (%.1f ms)",
                r.probe().nodeClockAheadMicros() / 1000.0, r.probe().roundTripMicros() / 1000.0));
    row(
        out,
        "the probe's report reached the host after (not in the latencies)",
        r -> String.format("%.1f ms", r.probe().reportDelayMicros() / 1000.0));
    row(
        out,
        "the probe's last read without the change to its read with it: p50 / p99 / max",
        r ->
            String.format(
                "%.1f / %.1f / %.1f ms",
                ScaleResult.percentile(r.probe().gapsMicros(), 50),
                ScaleResult.percentile(r.probe().gapsMicros(), 99),
                ScaleResult.percentile(r.probe().gapsMicros(), 100)));
    row(
        out,
        "the probe's own CPU per change (it polls the kernel every ms)",
        r -> ms(r.probe().cpuMillisPerChange()));
    row(
        out,
        "changes that overlapped a periodic full sync",
        r -> Integer.toString(r.latenciesMicros().size() - r.quietLatenciesMicros().size()));
    row(
        out,
        "change latency without those: p50 / p99",
        r ->
            String.format(
                "%.1f / %.1f ms",
                ScaleResult.percentile(r.quietLatenciesMicros(), 50),
                ScaleResult.percentile(r.quietLatenciesMicros(), 99)));
    row(
        out,
        "daemon metric network_programming_duration: mean (n, ≤0.25 s)",
        r ->
            r.metricProgramming().count() == 0
                ? "-"
                : String.format(
                    "%.1f ms (%d, %d)",
                    1000 * r.metricProgramming().sumSeconds() / r.metricProgramming().count(),
                    r.metricProgramming().count(),
                    r.metricProgramming().atMostQuarterSecond()));
    row(
        out,
        "idle resync: daemon CPU per sync period, median (each period)",
        r -> r.idle().map(i -> ms(i.median().cpuMillis()) + " (" + i.cpuEach() + ")").orElse("-"));
    row(
        out,
        "idle resync: CPU of child processes (ipset, iptables)",
        r -> r.idle().map(i -> ms(i.median().childCpuMillis())).orElse("-"));
    row(
        out,
        "idle resync: wall time (daemon log)",
        r -> r.idle().map(i -> ms(i.median().syncMillis())).orElse("-"));
    row(
        out,
        "**idle resync: netlink writes**",
        r -> r.idle().map(i -> bold(Long.toString(i.writes()))).orElse("-"));
    row(
        out,
        "**RSS after the full sync**",
        r -> bold(String.format("%.0f MB", r.rssKiB() / 1024.0)));
    row(
        out,
        "first write to a page of fresh memory: node / host (a second write, node)",
        r ->
            String.format(
                "%.0f / %.1f µs (%.2f µs)",
                r.firstTouch().nodeMicros(),
                r.firstTouch().hostMicros(),
                r.firstTouch().nodeAgainMicros()));
    row(
        out,
        "the RSS's pages first written at the node's cost (a floor under the start)",
        r -> ms(Math.round(r.firstTouch().nodeMillisFor(r.rssKiB()))));
    row(
        out,
        "live heap after the full sync (after a full GC)",
        r -> String.format("%.0f MB", r.liveHeapBytes() / 1048576.0));
    String idlePhases =
        results.get(results.size() - 1).idle().map(i -> i.median().phases()).orElse("");
    out.add("");
    if (!idlePhases.isEmpty()) {
      out.add(
          "Idle resync phases at "
              + String.format("%,d", results.get(results.size() - 1).services())
              + " services (the median period's resync): "
              + idlePhases);
    }
    return String.join("\n", out);
  }

  /** PASS/MISS per goal of issue 7, judged at the largest and smallest scale. */
  String goals() {
    ScaleResult big = results.get(results.size() - 1);
    ScaleResult small = results.get(0);
    List<String> out = new ArrayList<>();
    String n = String.format("%,d", big.services());
    goal(
        out,
        big.startToComplete() <= 10_000,
        "full sync at " + n + " services within 10 s: " + ms(big.startToComplete()));
    goal(
        out,
        ratio(big) >= 20,
        String.format(
            "kernel-write phase >= 20x faster than ipvsadm -R: %.0fx (%s vs %s)",
            ratio(big), ms(big.kernelWrite()), ms(big.ipvsadmRestore())));
    for (ScaleResult r : results) {
      goal(
          out,
          r.percentileMillis(99) <= 50,
          String.format(
              "change latency p99 <= 50 ms at %,d services: %.1f ms",
              r.services(), r.percentileMillis(99)));
    }
    if (results.size() > 1) {
      goal(
          out,
          big.percentileMillis(99) <= 2 * small.percentileMillis(99),
          String.format(
              "p99 at %s <= 2x p99 at %,d: %.1f vs %.1f ms",
              n, small.services(), big.percentileMillis(99), small.percentileMillis(99)));
    }
    big.idle()
        .ifPresent(
            i ->
                goal(
                    out,
                    i.writes() == 0 && i.median().cpuMillis() < 200,
                    String.format(
                        "idle resync at %s: 0 writes and < 200 ms CPU: %d writes, %d ms CPU"
                            + " (median of %s; +%d ms in child processes)",
                        n,
                        i.writes(),
                        i.median().cpuMillis(),
                        i.cpuEach(),
                        i.median().childCpuMillis())));
    goal(
        out,
        big.rssKiB() < 256 * 1024,
        String.format("RSS < 256 MB at %s: %.0f MB", n, big.rssKiB() / 1024.0));
    return String.join("\n", out);
  }

  private void row(List<String> out, String name, Function<ScaleResult, String> cell) {
    StringBuilder b = new StringBuilder("| " + name + " |");
    for (ScaleResult r : results) {
      b.append(' ').append(cell.apply(r)).append(" |");
    }
    out.add(b.toString());
  }

  private static void goal(List<String> out, boolean met, String text) {
    out.add("- " + (met ? "PASS" : "MISS") + " " + text);
  }

  static double ratio(ScaleResult r) {
    return r.ipvsadmRestore() / (double) Math.max(1, r.kernelWrite());
  }

  private static String ms(long millis) {
    return String.format("%,d ms", millis);
  }

  private static String bold(String s) {
    return "**" + s + "**";
  }
}
