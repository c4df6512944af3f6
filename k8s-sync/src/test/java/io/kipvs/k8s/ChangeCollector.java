package io.kipvs.k8s;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;

/**
 * Takes changes from a watch until its snapshot satisfies a condition, waking on the watch's change
 * signal (with a deadline), and keeps the union of what the takes reported.
 */
final class ChangeCollector {
  private final ClusterWatch watch;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition signalled = lock.newCondition();
  private long signals;

  /** What the takes reported between two calls of {@link #awaitSnapshot}. */
  record Collected(ClusterSnapshot snapshot, Set<ServiceName> changed, boolean nodeChanged) {}

  ChangeCollector(ClusterWatch watch) {
    this.watch = watch;
    watch.addChangeListener(
        () -> {
          lock.lock();
          try {
            signals++;
            signalled.signalAll();
          } finally {
            lock.unlock();
          }
        });
  }

  Collected awaitSnapshot(Predicate<ClusterSnapshot> converged, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    Set<ServiceName> changed = new HashSet<>();
    boolean nodeChanged = false;
    while (true) {
      long seen;
      lock.lock();
      try {
        seen = signals;
      } finally {
        lock.unlock();
      }
      ClusterChanges changes = watch.takeChanges();
      changed.addAll(changes.changedServices());
      nodeChanged |= changes.nodeChanged();
      if (converged.test(changes.snapshot())) {
        return new Collected(changes.snapshot(), changed, nodeChanged);
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new AssertionError(
            "no convergence within "
                + timeout
                + "; last snapshot "
                + describe(changes.snapshot())
                + ", changed "
                + changed);
      }
      lock.lock();
      try {
        if (signals == seen) {
          signalled.await(Math.min(left, TimeUnit.MILLISECONDS.toNanos(500)), TimeUnit.NANOSECONDS);
        }
      } finally {
        lock.unlock();
      }
    }
  }

  private static String describe(ClusterSnapshot s) {
    StringBuilder b = new StringBuilder(s.toString());
    for (ServicePort p : s.ports()) {
      b.append("\n  ")
          .append(p.name())
          .append(" -> ")
          .append(Fixtures.addresses(p.clusterEndpoints()));
    }
    return b.toString();
  }
}
