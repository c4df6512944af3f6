package io.kipvs.daemon.proxy;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives back the memory of the start: the informers' first list and the first full sync need about
 * twice the heap the daemon keeps afterwards (BENCHMARKS.md), and the JVM keeps a heap it has grown
 * unless a full collection finds it mostly free. One collection once the node is in sync returns it
 * (with jvm.options' MaxHeapFreeRatio); later growth is the working set's.
 */
final class StartupMemory {
  private static final Logger LOG = LoggerFactory.getLogger(StartupMemory.class);

  private StartupMemory() {}

  static void release() {
    MemoryUsage before = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
    long start = System.nanoTime();
    Runtime.getRuntime().gc();
    MemoryUsage after = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
    LOG.info(
        "Start-up memory released in {} ms: heap {} MB used of {} MB committed, was {} of {} MB",
        (System.nanoTime() - start) / 1_000_000,
        after.getUsed() >> 20,
        after.getCommitted() >> 20,
        before.getUsed() >> 20,
        before.getCommitted() >> 20);
  }
}
