package io.kipvs.e2e.bench;

import io.fabric8.kubernetes.client.Watch;
import io.kipvs.e2e.cluster.ApiServer;
import io.kipvs.e2e.cluster.KipvsDaemon;
import io.kipvs.e2e.cluster.Workloads;
import io.kipvs.e2e.testbed.CompleteLines;
import io.kipvs.e2e.testbed.JavaProcess;
import io.kipvs.e2e.testbed.Node;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One scale of the benchmark: a fresh mock API server holding N services, the daemon started in an
 * empty node, then the measurements of {@link ScaleResult} in order, then the ipvsadm reference,
 * and the node emptied again (daemon stopped, {@code --cleanup}).
 */
final class ScaleRun {
  static final Pattern FULL_SYNC =
      Pattern.compile("Full sync took (\\d+) ms: (\\d+) IPVS operations, (\\d+) failed");
  static final Pattern PHASE = Pattern.compile("(?:: |, )([A-Za-z0-9 -]+?) (\\d+) ms");
  static final Pattern INFORMERS =
      Pattern.compile("Informers listed \\d+ services and \\d+ endpoint slices in (\\d+) ms");
  private static final String PROGRAMMING = "kubeproxy_network_programming_duration_seconds";
  private static final Duration LONG = Duration.ofMinutes(15);
  // Writes the daemon does not watch, before the timed ones: the mock API server's first PUT at
  // 10,000 services took 0.9 s on the host (its store scan run for the first time), which a real
  // API server does not.
  private static final int WARM_UP_WRITES = 20;

  private final Node node;
  private final BenchSettings settings;
  private final int services;

  ScaleRun(Node node, BenchSettings settings, int services) {
    this.node = node;
    this.settings = settings;
    this.services = services;
  }

  ScaleResult run() throws Exception {
    try (ApiServer api = ApiServer.start()) {
      BenchCluster cluster = new BenchCluster(api.client(), services, settings.endpoints());
      new Workloads(api::client).node(node, "zone-a");
      Duration populate = cluster.populate(settings.populateThreads());
      log(
          "%,d services x %d endpoints created in the API server in %d ms",
          services, settings.endpoints(), populate.toMillis());

      // After the options kipvs ships with (a later -Xmx wins).
      List<String> jvm = new ArrayList<>();
      settings.daemonXmx().ifPresent(x -> jvm.add("-Xmx" + x));
      jvm.addAll(settings.daemonJvmOptions());
      if (settings.jfr()) {
        jvm.add(
            "-XX:StartFlightRecording=settings=profile,filename="
                + Node.OUTPUT_DIR_IN_NODE
                + "/daemon-"
                + services
                + ".jfr");
      }
      List<String> args =
          KipvsDaemon.daemonSetArgs(node, api, "--ipvs-sync-period=" + settings.syncPeriod());
      ScaleResult.FirstTouch firstTouch = firstTouch();
      KipvsDaemon.prepareClassPath();
      Instant start = Instant.now();
      JavaProcess daemon = KipvsDaemon.startJava(node, jvm, args);
      try {
        String done = daemon.awaitLogLine(FULL_SYNC.pattern(), LONG);
        Matcher m = FULL_SYNC.matcher(done);
        m.find();
        long fullSync = Long.parseLong(m.group(1));
        long ops = Long.parseLong(m.group(2));
        long failed = Long.parseLong(m.group(3));
        long startToComplete = Duration.between(start, timeOf(done)).toMillis();
        String informers = firstLine(daemon, INFORMERS);
        Matcher im = INFORMERS.matcher(informers);
        im.find();
        long listing = Long.parseLong(im.group(1));
        Instant listStart = timeOf(informers).minusMillis(listing);
        long startup = Duration.between(start, listStart).toMillis();
        List<ScaleResult.Phase> phases =
            phases(firstLine(daemon, Pattern.compile("Full sync phases")));
        log("first full sync: %s", done.substring(done.indexOf("Full sync")));
        PromText metrics = metrics();
        log(
            "netlink operations %,.0f, errors %,.0f",
            metrics.sum("kipvs_netlink_operations_total"),
            metrics.sum("kipvs_netlink_errors_total"));

        long rss = rssKiB(daemon);
        long heap = liveHeap(daemon);
        if (settings.idleAt(services)) {
          log("heap histogram after a full GC (top classes):%n%s", heapHistogram(daemon));
        }
        Optional<ScaleResult.Idle> idle =
            settings.idleAt(services) ? Optional.of(idleResync(daemon)) : Optional.empty();
        Latencies lat = changes(cluster);
        List<long[]> fullSyncs = fullSyncIntervals(daemon);
        List<Long> quiet = new ArrayList<>();
        for (long[] c : lat.windows()) {
          if (fullSyncs.stream().noneMatch(f -> f[0] < c[1] && c[0] < f[1])) {
            quiet.add(c[1] - c[0]);
          }
        }
        Collections.sort(quiet);

        daemon.terminate();
        daemon.awaitExit(Duration.ofMinutes(2));
        long[] reference = ipvsadmReference();
        return new ScaleResult(
            services,
            settings.endpoints(),
            populate,
            startToComplete,
            startup,
            listing,
            phases,
            fullSync,
            ops,
            failed,
            lat.micros(),
            lat.fromCommitMicros(),
            lat.apiMicros(),
            lat.programming(),
            List.copyOf(quiet),
            idle,
            lat.probe(),
            firstTouch,
            rss,
            heap,
            reference[0],
            reference[1],
            reference[2]);
      } finally {
        if (daemon.isAlive()) {
          daemon.kill();
        }
      }
    }
  }

  /**
   * Idle periods in steady state: the period the memory figures ended in and one more are let pass
   * first (the full collection and heap histogram they took resize the heap, and the first resyncs
   * still compile code), then the CPU of each of {@link #IDLE_PERIODS} sync periods, each holding
   * one resync, and the writes over all of them. The metrics are scraped outside the CPU windows: a
   * scrape is the benchmark's work.
   */
  private ScaleResult.Idle idleResync(JavaProcess daemon) {
    int n = count(daemon, FULL_SYNC);
    awaitCount(daemon, n + 1);
    double writesBefore = metrics().sum("kipvs_netlink_operations_total");
    awaitCount(daemon, n + 2);
    List<long[]> ticks = new ArrayList<>();
    ticks.add(cpuTicks(daemon));
    for (int p = 1; p <= IDLE_PERIODS; p++) {
      awaitCount(daemon, n + 2 + p);
      ticks.add(cpuTicks(daemon));
    }
    double writesAfter = metrics().sum("kipvs_netlink_operations_total");
    long tick = 1000 / ticks.get(0)[2];
    List<String> syncs = lines(daemon, FULL_SYNC);
    List<String> phaseLines = lines(daemon, Pattern.compile("Full sync phases"));
    List<ScaleResult.IdlePeriod> periods = new ArrayList<>();
    for (int p = 1; p <= IDLE_PERIODS; p++) {
      int sync = n + 1 + p;
      Matcher m = FULL_SYNC.matcher(syncs.get(sync));
      m.find();
      String phases = phaseLines.get(sync);
      periods.add(
          new ScaleResult.IdlePeriod(
              (ticks.get(p)[0] - ticks.get(p - 1)[0]) * tick,
              (ticks.get(p)[1] - ticks.get(p - 1)[1]) * tick,
              Long.parseLong(m.group(1)),
              phases.substring(phases.indexOf("snapshot"))));
    }
    return new ScaleResult.Idle(periods, Math.round(writesAfter - writesBefore));
  }

  /** Latencies (sorted), API call times (sorted), and each change's [write, seen] in epoch µs. */
  private record Latencies(
      List<Long> micros,
      List<Long> fromCommitMicros,
      List<Long> apiMicros,
      List<long[]> windows,
      ScaleResult.Programming programming,
      ScaleResult.Probe probe) {}

  /** When the host's watch saw this slice modified, after the write started (epoch µs). */
  private static long awaitCommit(Map<String, Long> committed, String slice, Instant write) {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (true) {
      Long at = committed.get(slice);
      if (at != null && at >= HostClockServer.epochMicros(write)) {
        return at;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the host's watch did not see " + slice + " modified");
      }
      sleep(1);
    }
  }

  /** Each full sync's [start, end] in epoch µs, from its log line's time and duration. */
  private static List<long[]> fullSyncIntervals(JavaProcess daemon) {
    List<long[]> intervals = new ArrayList<>();
    for (String line : lines(daemon, FULL_SYNC)) {
      Matcher m = FULL_SYNC.matcher(line);
      m.find();
      long end = HostClockServer.epochMicros(timeOf(line));
      intervals.add(new long[] {end - Long.parseLong(m.group(1)) * 1000 - 1000, end + 1000});
    }
    return intervals;
  }

  /**
   * The endpoint changes, one at a time: the host writes the slice (time taken just before the
   * request), the probe in the node reports when the kernel has the new real server.
   */
  private Latencies changes(BenchCluster cluster) throws Exception {
    int changes = settings.changes();
    List<String> plan = new ArrayList<>();
    List<Integer> targets = new ArrayList<>();
    for (int k = 0; k < changes; k++) {
      // A stride prime to the service count spreads the changes over the whole table.
      int service = (int) ((k * 7919L) % services);
      targets.add(service);
      plan.add(
          k
              + " "
              + BenchCluster.clusterIp(service)
              + " "
              + BenchCluster.PORT
              + " "
              + BenchCluster.replacementIp(k));
    }
    Path planFile = node.outputDir().resolve("plan-" + services);
    Files.write(planFile, plan);
    Path seenFile = node.outputDir().resolve("seen-" + services);
    Files.deleteIfExists(seenFile);
    try (HostClockServer hostClock = new HostClockServer()) {
      JavaProcess probe =
          node.startJava(
              // A heap touched up front: in a node, a collection into fresh pages takes tens of ms,
              // and the probe would see changes that late.
              List.of("-Xmx64m", "-Xms64m", "-XX:+AlwaysPreTouch"),
              ChangeProbeMain.class.getName(),
              List.of(
                  Node.OUTPUT_DIR_IN_NODE + "/plan-" + services,
                  Node.OUTPUT_DIR_IN_NODE + "/seen-" + services,
                  "120",
                  ApiServer.HOST_FROM_NODE + ":" + hostClock.port()));
      awaitInFile(seenFile, "ready", Duration.ofSeconds(120), probe);
      Map<String, Long> committed = new ConcurrentHashMap<>();
      Watch watch = cluster.watchSliceUpdates(committed::put);
      cluster.warmUpWrites(WARM_UP_WRITES);
      PromText before = metrics();
      List<Long> fromCommit = new ArrayList<>();
      List<Long> micros = new ArrayList<>();
      List<Long> api = new ArrayList<>();
      List<long[]> windows = new ArrayList<>();
      List<Long> clockOffsets = new ArrayList<>();
      List<Long> roundTrips = new ArrayList<>();
      List<Long> reportDelays = new ArrayList<>();
      List<Long> gaps = new ArrayList<>();
      // Each change in order, so that a tail can be set against the daemon's log.
      List<String> record = new ArrayList<>();
      record.add("# k write_epoch_us from_write_us from_watch_event_us api_call_us probe_gap_us");
      for (int k = 0; k < changes; k++) {
        Instant write = Instant.now();
        long call = System.nanoTime();
        cluster.replaceLastEndpoint(targets.get(k), BenchCluster.replacementIp(k), write);
        api.add((System.nanoTime() - call) / 1000);
        String seen = awaitInFile(seenFile, "seen " + k + " ", Duration.ofSeconds(120), probe);
        long readMicros = HostClockServer.epochMicros(Instant.now());
        // Both ends on the host's clock: the probe's sighting, moved by how far the node's clock
        // was from the host's right after it (measured over slirp, NTP-style, within half the
        // round trip). The node's clock was seen tens of milliseconds off on a loaded machine.
        String[] f = seen.split(" ");
        long hostMinusNode = Long.parseLong(f[3]);
        long seenMicros = Long.parseLong(f[2]) + hostMinusNode;
        clockOffsets.add(-hostMinusNode);
        roundTrips.add(Long.parseLong(f[4]));
        reportDelays.add(readMicros - seenMicros);
        gaps.add(Long.parseLong(f[5]));
        micros.add(seenMicros - HostClockServer.epochMicros(write));
        windows.add(new long[] {HostClockServer.epochMicros(write), seenMicros});
        long fromEvent =
            seenMicros - awaitCommit(committed, BenchCluster.name(targets.get(k)), write);
        fromCommit.add(fromEvent);
        record.add(
            k
                + " "
                + HostClockServer.epochMicros(write)
                + " "
                + micros.get(micros.size() - 1)
                + " "
                + fromEvent
                + " "
                + api.get(api.size() - 1)
                + " "
                + gaps.get(gaps.size() - 1));
        // A pause between changes, so that each is one sync, as spaced-out changes are.
        Thread.sleep(20);
      }
      String cpu = awaitInFile(seenFile, "cpu ", Duration.ofSeconds(60), probe);
      probe.awaitExit(Duration.ofSeconds(60));
      watch.close();
      Files.write(node.outputDir().resolve("changes-" + services), record);
      Collections.sort(fromCommit);
      PromText after = metrics();
      ScaleResult.Programming programming =
          new ScaleResult.Programming(
              Math.round(
                  after.value(PROGRAMMING + "_count") - before.value(PROGRAMMING + "_count")),
              after.value(PROGRAMMING + "_sum") - before.value(PROGRAMMING + "_sum"),
              Math.round(
                  after.value(PROGRAMMING + "_bucket{le=\"0.25\"}")
                      - before.value(PROGRAMMING + "_bucket{le=\"0.25\"}")));
      Collections.sort(micros);
      Collections.sort(api);
      Collections.sort(gaps);
      return new Latencies(
          List.copyOf(micros),
          List.copyOf(fromCommit),
          List.copyOf(api),
          List.copyOf(windows),
          programming,
          new ScaleResult.Probe(
              median(clockOffsets),
              median(roundTrips),
              median(reportDelays),
              Long.parseLong(cpu.substring(4).strip()) / changes,
              List.copyOf(gaps)));
    }
  }

  private static long median(List<Long> values) {
    List<Long> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    return sorted.get(sorted.size() / 2);
  }

  /**
   * {@code ipvsadm -Sn} of the final table, timed, and {@code ipvsadm -R} of it into a fresh
   * network namespace, timed: an empty table as the daemon's first sync had, and an empty trash.
   * Restored after {@code ipvsadm -C} in the same namespace, every real server added walks the
   * trash of the ones just flushed: 110,000 lines then took 210 to 240 s.
   */
  private long[] ipvsadmReference() {
    node.addRoutedNamespace("ipvs-reference");
    String out =
        node.run(
            """
            ms() { echo $(( $(date +%%s%%N) / 1000000 )); }
            s=$(ms); ipvsadm -Sn > %1$s/rules; e=$(ms); echo save $((e-s)) $(wc -l < %1$s/rules)
            s=$(ms); ip netns exec ipvs-reference ipvsadm -R < %1$s/rules; e=$(ms)
            echo restore $((e-s))
            ip netns exec ipvs-reference ipvsadm -Sn | wc -l
            """
                .formatted(Node.OUTPUT_DIR_IN_NODE),
            Duration.ofMinutes(20));
    String[] lines = out.strip().split("\n");
    String[] save = lines[0].split(" ");
    String[] restore = lines[1].split(" ");
    long restored = Long.parseLong(lines[2].strip());
    if (restored != Long.parseLong(save[2])) {
      throw new AssertionError("ipvsadm -R restored " + restored + " lines of " + save[2]);
    }
    log("reference: ipvsadm -Sn %s ms (%s lines), ipvsadm -R %s ms", save[1], save[2], restore[1]);
    return new long[] {
      Long.parseLong(save[1]), Long.parseLong(save[2]), Long.parseLong(restore[1])
    };
  }

  private long rssKiB(JavaProcess daemon) {
    String line = node.run("grep VmRSS /proc/" + daemon.pid() + "/status").strip();
    return Long.parseLong(line.replaceAll("[^0-9]", ""));
  }

  /** Heap in use right after a full collection (jcmd GC.run), from the daemon's JVM metrics. */
  private long liveHeap(JavaProcess daemon) {
    String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
    node.run(jcmd + " " + daemon.pid() + " GC.run", Duration.ofMinutes(2));
    return Math.round(metrics().sum("jvm_memory_used_bytes{area=\"heap\"}"));
  }

  private String heapHistogram(JavaProcess daemon) {
    String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
    return node.run(
        jcmd + " " + daemon.pid() + " GC.class_histogram | head -22", Duration.ofMinutes(2));
  }

  /** The first write to a page of fresh memory, in the node and in this JVM on the host. */
  private ScaleResult.FirstTouch firstTouch() {
    JavaProcess p =
        node.startJava(List.of(), FirstTouchMain.class.getName(), List.of(FIRST_TOUCH_MB));
    String[] f = p.awaitLogLine("^first-touch ", Duration.ofMinutes(2)).strip().split(" ");
    p.awaitExit(Duration.ofMinutes(1));
    double[] host = FirstTouchMain.measure(Integer.parseInt(FIRST_TOUCH_MB));
    ScaleResult.FirstTouch t =
        new ScaleResult.FirstTouch(
            Double.parseDouble(f[1]), Double.parseDouble(f[2]), host[0], host[1]);
    log(
        "first write to a page: %.1f us in the node (again %.2f), %.1f us on the host (again %.2f)",
        t.nodeMicros(), t.nodeAgainMicros(), t.hostMicros(), t.hostAgainMicros());
    return t;
  }

  private static final String FIRST_TOUCH_MB = "64";

  /** Idle sync periods measured, after two let pass. */
  private static final int IDLE_PERIODS = 3;

  /** utime + stime, cutime + cstime (clock ticks), and the ticks per second. */
  private long[] cpuTicks(JavaProcess daemon) {
    String out =
        node.run("cut -d')' -f2- /proc/" + daemon.pid() + "/stat; getconf CLK_TCK").strip();
    String[] lines = out.split("\n");
    // After "pid (comm)": state is field 3, so utime (14) is index 11 here.
    String[] f = lines[0].strip().split(" ");
    long self = Long.parseLong(f[11]) + Long.parseLong(f[12]);
    long children = Long.parseLong(f[13]) + Long.parseLong(f[14]);
    return new long[] {self, children, Long.parseLong(lines[1].strip())};
  }

  private PromText metrics() {
    return PromText.parse(node.run("curl -s --max-time 30 http://127.0.0.1:10249/metrics"));
  }

  private void awaitCount(JavaProcess daemon, int n) {
    long deadline = System.nanoTime() + LONG.toNanos();
    while (count(daemon, FULL_SYNC) < n) {
      if (System.nanoTime() > deadline || !daemon.isAlive()) {
        throw new AssertionError("no full sync #" + n + ":\n" + daemon.log());
      }
      sleep(200);
    }
  }

  private static String awaitInFile(Path file, String prefix, Duration within, JavaProcess probe)
      throws IOException {
    long deadline = System.nanoTime() + within.toNanos();
    while (true) {
      if (Files.exists(file)) {
        for (String line : CompleteLines.of(Files.readString(file)).toList()) {
          if (line.startsWith(prefix)) {
            return line;
          }
          if (line.startsWith("timeout")) {
            throw new AssertionError("the probe saw no change: " + line + "\n" + probe.log());
          }
        }
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            "no '" + prefix + "' from the probe within " + within + "\n" + probe.log());
      }
      sleep(1);
    }
  }

  static List<ScaleResult.Phase> phases(String line) {
    List<ScaleResult.Phase> phases = new ArrayList<>();
    Matcher m = PHASE.matcher(line.substring(line.indexOf("Full sync phases") + 16));
    while (m.find()) {
      phases.add(new ScaleResult.Phase(m.group(1), Long.parseLong(m.group(2))));
    }
    return phases;
  }

  private static int count(JavaProcess p, Pattern pattern) {
    return lines(p, pattern).size();
  }

  private static List<String> lines(JavaProcess p, Pattern pattern) {
    return p.completeLogLines().filter(l -> pattern.matcher(l).find()).toList();
  }

  private static String firstLine(JavaProcess p, Pattern pattern) {
    return lines(p, pattern).stream()
        .findFirst()
        .orElseThrow(() -> new AssertionError("no line " + pattern + " in:\n" + p.log()));
  }

  /** The timestamp logback puts first on each line of the daemon. */
  static Instant timeOf(String logLine) {
    return OffsetDateTime.parse(logLine.substring(0, logLine.indexOf(' '))).toInstant();
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  static void log(String format, Object... args) {
    System.out.printf("[bench] " + format + "%n", args);
  }
}
