package io.kipvs.e2e.testbed;

import java.io.IOException;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The host processes the kit started (UML kernels with their helper processes, slirp, switches) and
 * how to end them: by PID and process group only, never by name.
 */
final class HostProcesses {
  private HostProcesses() {}

  /** The process and all its current descendants. */
  static Set<Long> tree(ProcessHandle root) {
    Set<Long> pids = new LinkedHashSet<>();
    pids.add(root.pid());
    root.descendants().forEach(p -> pids.add(p.pid()));
    return pids;
  }

  static boolean alive(long pid) {
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }

  static List<Long> alive(Collection<Long> pids) {
    return pids.stream().filter(HostProcesses::alive).toList();
  }

  /**
   * Kills a process started as leader of its own process group (through setsid), its whole group,
   * and every descendant seen before or after, then waits until they are all gone.
   *
   * @return the PIDs it ended (for the caller's record)
   */
  static Set<Long> killGroupAndTree(ProcessHandle leader, Duration wait) {
    Set<Long> pids = new LinkedHashSet<>(tree(leader));
    // Stop the leader first so that it forks nothing new while the rest dies.
    signalGroup(leader.pid(), "STOP");
    pids.addAll(tree(leader));
    signalGroup(leader.pid(), "KILL");
    for (long pid : pids) {
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }
    awaitGone(pids, wait);
    return pids;
  }

  /** Waits until none of the PIDs is alive; reaps the ones that are our children. */
  static void awaitGone(Collection<Long> pids, Duration wait) {
    long deadline = System.nanoTime() + wait.toNanos();
    for (long pid : pids) {
      ProcessHandle.of(pid)
          .ifPresent(
              p -> {
                long left = Math.max(1, deadline - System.nanoTime());
                try {
                  p.onExit().get(left, TimeUnit.NANOSECONDS);
                } catch (Exception ignored) {
                  // reported by the caller's check of which PIDs remain
                }
              });
    }
  }

  private static void signalGroup(long leaderPid, String signal) {
    try {
      Process kill =
          new ProcessBuilder("kill", "-" + signal, "--", "-" + leaderPid)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      kill.waitFor(10, TimeUnit.SECONDS);
    } catch (IOException e) {
      // fall back to the PID-by-PID kill the caller does anyway
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  static String describe(Collection<Long> pids) {
    return pids.stream()
        .map(
            pid ->
                pid + " " + ProcessHandle.of(pid).flatMap(p -> p.info().commandLine()).orElse("?"))
        .collect(Collectors.joining(", "));
  }
}
