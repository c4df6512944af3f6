package io.kipvs.e2e.bench;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * What one scale of the benchmark measured. Times in milliseconds unless named otherwise.
 *
 * @param populate creating the services and slices in the mock API server (not timed otherwise)
 * @param startToComplete from starting the daemon's JVM to the end of its first full sync
 * @param startup JVM start until the informers started (start-to-complete minus everything else)
 * @param listing the informers' first list, as the daemon logs it
 * @param phases the first full sync's phases, as the daemon logs them (name to ms)
 * @param fullSync the first full sync as a whole
 * @param operations IPVS operations the first full sync sent; {@code failed} of them failed
 * @param latenciesMicros change latencies, API write to visible in the kernel (the probe's sighting
 *     put on the host's clock with the offset it measured), sorted
 * @param fromCommitMicros change latencies from the moment the host's own watch saw the write (the
 *     API server's commit) to visible in the kernel, sorted
 * @param apiWriteMicros how long each API write took on the host (part of the latency), sorted
 * @param metricProgramming the daemon's network programming histogram over the changes
 * @param quietLatenciesMicros the latencies of the changes that did not overlap a periodic full
 *     sync (which holds the sync loop), sorted
 * @param idle idle sync periods, each holding one resync, when measured
 * @param probe how the probe in the node measured
 * @param firstTouch what a first write to a page of memory costs, in the node and on the host
 * @param rssKiB VmRSS after the first full sync
 * @param liveHeapBytes heap in use right after a full GC
 * @param ipvsadmSave {@code ipvsadm -Sn} of the final table (ms) and its line count
 * @param ipvsadmRestore {@code ipvsadm -R} of that same table into an empty one (ms)
 */
record ScaleResult(
    int services,
    int endpoints,
    Duration populate,
    long startToComplete,
    long startup,
    long listing,
    List<Phase> phases,
    long fullSync,
    long operations,
    long failed,
    List<Long> latenciesMicros,
    List<Long> fromCommitMicros,
    List<Long> apiWriteMicros,
    Programming metricProgramming,
    List<Long> quietLatenciesMicros,
    Optional<Idle> idle,
    Probe probe,
    FirstTouch firstTouch,
    long rssKiB,
    long liveHeapBytes,
    long ipvsadmSave,
    long ipvsadmSaveLines,
    long ipvsadmRestore) {

  record Phase(String name, long millis) {}

  /**
   * The change probe's own figures (medians over the changes).
   *
   * @param nodeClockAheadMicros the node's clock minus the host's, measured over slirp right after
   *     each sighting
   * @param roundTripMicros the round trip of the exchange that measured it (the offset is good to
   *     half of it)
   * @param reportDelayMicros from the sighting to the host reading the probe's report: what the
   *     latencies would wrongly include if taken at the host's read
   * @param cpuMillisPerChange the probe's CPU time (polling the kernel every millisecond) per
   *     change
   * @param gapsMicros per change, sorted: from the probe's last read without the change to its read
   *     with it, the window in which the change reached the kernel; well over the millisecond of
   *     polling when the probe itself was late
   */
  record Probe(
      long nodeClockAheadMicros,
      long roundTripMicros,
      long reportDelayMicros,
      long cpuMillisPerChange,
      List<Long> gapsMicros) {}

  /** The histogram's delta: count, sum (s), and how many fell at or under 0.25 s. */
  record Programming(long count, double sumSeconds, long atMostQuarterSecond) {}

  /**
   * Microseconds per page of a first write to fresh memory and of a second one ({@link
   * FirstTouchMain}), in the node and on the host.
   */
  record FirstTouch(
      double nodeMicros, double nodeAgainMicros, double hostMicros, double hostAgainMicros) {
    /** A first write to each page of {@code kib} of memory at the node's cost, in ms. */
    double nodeMillisFor(long kib) {
      return kib / 4.0 * nodeMicros / 1000;
    }
  }

  /**
   * One idle sync period holding one resync.
   *
   * @param cpuMillis the daemon's own user + system CPU over the period
   * @param childCpuMillis CPU of the processes it ran (ipset, iptables-save...) over the period
   * @param syncMillis the resync's wall time as the daemon logs it
   * @param phases the resync's phases as the daemon logs them
   */
  record IdlePeriod(long cpuMillis, long childCpuMillis, long syncMillis, String phases) {}

  /**
   * Idle sync periods in steady state.
   *
   * @param periods in the order they ran
   * @param writes netlink write operations over all of them
   */
  record Idle(List<IdlePeriod> periods, long writes) {
    /** The period whose daemon CPU is the median (the lower middle one of an even count). */
    IdlePeriod median() {
      List<IdlePeriod> sorted =
          periods.stream()
              .sorted(java.util.Comparator.comparingLong(IdlePeriod::cpuMillis))
              .toList();
      return sorted.get((sorted.size() - 1) / 2);
    }

    String cpuEach() {
      return periods.stream()
          .map(p -> String.format("%,d", p.cpuMillis()))
          .collect(java.util.stream.Collectors.joining(", "));
    }
  }

  long phase(String name) {
    return phases.stream().filter(p -> p.name().equals(name)).mapToLong(Phase::millis).sum();
  }

  long kernelWrite() {
    return phase("IPVS write");
  }

  double percentileMillis(double p) {
    return percentile(latenciesMicros, p);
  }

  static double percentile(List<Long> sortedMicros, double p) {
    if (sortedMicros.isEmpty()) {
      return Double.NaN;
    }
    int rank = (int) Math.ceil(p / 100.0 * sortedMicros.size()) - 1;
    return sortedMicros.get(Math.max(0, rank)) / 1000.0;
  }
}
