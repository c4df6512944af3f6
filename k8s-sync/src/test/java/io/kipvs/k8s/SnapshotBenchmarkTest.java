package io.kipvs.k8s;

import static io.kipvs.k8s.Fixtures.NODE;
import static io.kipvs.k8s.Fixtures.ep;
import static io.kipvs.k8s.Fixtures.slice;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Prints the cost of building a snapshot and of one endpoint change at two cluster sizes, fed to
 * the tracker directly (no server). No time is asserted; correctness of each step is. The small
 * version always runs; the full one with {@code -Dkipvs.bench=true}.
 */
class SnapshotBenchmarkTest {

  @Test
  void smallVersion() {
    run(200, 2_000, 10, 300);
  }

  @Test
  @EnabledIfSystemProperty(named = "kipvs.bench", matches = "true")
  void fullVersion() {
    run(1_000, 10_000, 10, 5_000);
  }

  private static void run(int small, int large, int endpointsPerService, int changes) {
    System.out.printf(
        Locale.ROOT,
        "k8s-sync benchmark: %d services x %d endpoints; one-change cost at %d vs %d services%n",
        large,
        endpointsPerService,
        small,
        large);
    Cluster big = Cluster.build(large, endpointsPerService);
    System.out.printf(
        Locale.ROOT,
        "  snapshot build, %d services x %d endpoints: %.1f ms (%d events + first takeChanges)%n",
        large,
        endpointsPerService,
        big.buildNanos / 1e6,
        2 * large);
    Cluster little = Cluster.build(small, endpointsPerService);

    // Warm both up so that the JIT treats them alike; then alternate rounds and keep each size's
    // best round, which filters out other processes on a shared machine.
    little.changeCost(changes, small);
    big.changeCost(changes, large);
    double[][] both = best(little, big, changes, small, large);
    double[] atSmall = both[0];
    double[] atLarge = both[1];
    System.out.printf(
        Locale.ROOT,
        "  one endpoint change (slice event + takeChanges), best of %d rounds, median / mean:%n"
            + "    %6d services: %8.1f / %8.1f us%n"
            + "    %6d services: %8.1f / %8.1f us%n"
            + "    ratio large/small: %.2f (median), %.2f (mean); services ratio %.0f%n",
        ROUNDS,
        small,
        atSmall[0],
        atSmall[1],
        large,
        atLarge[0],
        atLarge[1],
        atLarge[0] / atSmall[0],
        atLarge[1] / atSmall[1],
        (double) large / small);
    // The same with changes going round 100 services only: the data touched then stays in the CPU
    // caches at both sizes, which isolates the cost of the structure from memory effects.
    double[][] hot = best(little, big, changes, 100, 100);
    double[] hotSmall = hot[0];
    double[] hotLarge = hot[1];
    System.out.printf(
        Locale.ROOT,
        "  same, changes going round 100 services only (cache-warm), median / mean:%n"
            + "    %6d services: %8.1f / %8.1f us%n"
            + "    %6d services: %8.1f / %8.1f us%n"
            + "    ratio large/small: %.2f (median), %.2f (mean)%n",
        small,
        hotSmall[0],
        hotSmall[1],
        large,
        hotLarge[0],
        hotLarge[1],
        hotLarge[0] / hotSmall[0],
        hotLarge[1] / hotSmall[1]);
    // Reference in the same run: what copying a plain map of every service would cost per change.
    System.out.printf(
        Locale.ROOT,
        "  reference, copying a plain HashMap of all services per change: %d: %.1f us, %d: %.1f us%n",
        small,
        little.plainCopyMicros(),
        large,
        big.plainCopyMicros());
  }

  private static final int ROUNDS = 5;

  private static double[][] best(
      Cluster little, Cluster big, int changes, int smallSpread, int largeSpread) {
    double[] a = {Double.MAX_VALUE, Double.MAX_VALUE};
    double[] b = {Double.MAX_VALUE, Double.MAX_VALUE};
    for (int r = 0; r < ROUNDS; r++) {
      double[] x = little.changeCost(changes, smallSpread);
      double[] y = big.changeCost(changes, largeSpread);
      a = new double[] {Math.min(a[0], x[0]), Math.min(a[1], x[1])};
      b = new double[] {Math.min(b[0], y[0]), Math.min(b[1], y[1])};
    }
    return new double[][] {a, b};
  }

  private static final class Cluster {
    final int services;
    final ClusterStateTracker tracker;
    final List<EndpointSlice[]> variants = new ArrayList<>();
    final long buildNanos;
    private int next;
    private final int[] applied;

    private Cluster(int services, int endpointsPerService) {
      this.services = services;
      this.applied = new int[services];
      Fixtures.CollectingReporter reporter = new Fixtures.CollectingReporter();
      tracker = new ClusterStateTracker(NODE, reporter, new Fixtures.ManualClock());
      List<Service> svcs = new ArrayList<>(services);
      for (int i = 0; i < services; i++) {
        svcs.add(Fixtures.simpleService("ns", "svc-" + i, ip(10 << 24 | 96 << 16, i)));
        variants.add(
            new EndpointSlice[] {
              slice(i, endpointsPerService, 0), slice(i, endpointsPerService, 1)
            });
      }
      long start = System.nanoTime();
      for (int i = 0; i < services; i++) {
        tracker.upsertService(svcs.get(i));
        tracker.upsertSlice(variants.get(i)[0]);
      }
      ClusterChanges first = tracker.takeChanges();
      buildNanos = System.nanoTime() - start;
      assertThat(first.changedServices()).hasSize(services);
      assertThat(first.snapshot().serviceCount()).isEqualTo(services);
      assertThat(first.snapshot().ports()).hasSize(services);
      assertThat(reporter.warnings()).isEmpty();
    }

    static Cluster build(int services, int endpointsPerService) {
      return new Cluster(services, endpointsPerService);
    }

    /** Median and mean microseconds of one slice change plus takeChanges. */
    double[] changeCost(int changes) {
      return changeCost(changes, services);
    }

    /** As above, the changes going round the first {@code spread} services only. */
    double[] changeCost(int changes, int spread) {
      long[] nanos = new long[changes];
      for (int c = 0; c < changes; c++) {
        int i = next++ % spread;
        applied[i] ^= 1;
        EndpointSlice updated = variants.get(i)[applied[i]];
        long start = System.nanoTime();
        tracker.upsertSlice(updated);
        ClusterChanges changed = tracker.takeChanges();
        nanos[c] = System.nanoTime() - start;
        assertThat(changed.changedServices()).containsExactly(new ServiceName("ns", "svc-" + i));
        assertThat(changed.snapshot().serviceCount()).isEqualTo(services);
      }
      long[] sorted = nanos.clone();
      Arrays.sort(sorted);
      return new double[] {
        sorted[sorted.length / 2] / 1e3, Arrays.stream(nanos).average().orElse(0) / 1e3
      };
    }

    double plainCopyMicros() {
      Map<ServiceName, List<ServicePort>> plain = new HashMap<>();
      ClusterSnapshot s = tracker.snapshot();
      for (ServicePort p : s.ports()) {
        plain.put(p.name().service(), List.of(p));
      }
      int rounds = 50;
      long start = System.nanoTime();
      int sink = 0;
      for (int r = 0; r < rounds; r++) {
        sink += new HashMap<>(plain).size();
      }
      long nanos = System.nanoTime() - start;
      assertThat(sink).isEqualTo(rounds * services);
      return nanos / 1e3 / rounds;
    }

    private static EndpointSlice slice(int service, int endpoints, int variant) {
      Endpoint[] eps = new Endpoint[endpoints];
      for (int e = 0; e < endpoints; e++) {
        // The second variant moves one endpoint: a typical rollout step.
        int host = service * endpoints + e + (variant == 1 && e == 0 ? 5_000_000 : 0);
        eps[e] = ep(ip(10 << 24, host) + "/R");
      }
      return Fixtures.slice("ns", "svc-" + service + "-abcde", "svc-" + service, eps).build();
    }

    private static String ip(int base, int offset) {
      int v = base + offset;
      return (v >>> 24 & 255) + "." + (v >>> 16 & 255) + "." + (v >>> 8 & 255) + "." + (v & 255);
    }
  }
}
