package io.kipvs.daemon.proxy;

import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs the drain check one period after a real server starts draining, and again each period while
 * any is still draining; never while none is. Why not a fixed-delay timer: a check every 5 s cost
 * an idle daemon 30-75 ms of CPU per 20 s in a node (BENCHMARKS.md, "Where the CPU goes"), with
 * nothing to check.
 */
final class DrainSchedule {
  private final ScheduledExecutorService executor;
  private final Runnable check;
  private final Duration period;
  private final DrainTracker drains;
  // A check is scheduled and has not started: a real server that starts draining now is seen.
  private final AtomicBoolean pending = new AtomicBoolean();

  DrainSchedule(
      ScheduledExecutorService executor, Runnable check, Duration period, DrainTracker drains) {
    this.executor = executor;
    this.check = check;
    this.period = period;
    this.drains = drains;
  }

  /** A real server may have started draining. */
  void wake() {
    if (pending.compareAndSet(false, true)) {
      try {
        executor.schedule(this::run, period.toMillis(), TimeUnit.MILLISECONDS);
      } catch (RejectedExecutionException e) {
        // The proxier is stopping: nothing drains after it.
        pending.set(false);
      }
    }
  }

  private void run() {
    pending.set(false);
    try {
      check.run();
    } finally {
      if (drains.size() > 0) {
        wake();
      }
    }
  }
}
