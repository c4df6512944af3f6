package io.kipvs.daemon.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.kipvs.ipvs.Protocol;
import io.kipvs.ipvs.RealServerKey;
import io.kipvs.ipvs.VirtualServerKey;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DrainScheduleTest {
  private static final Duration PERIOD = Duration.ofMillis(200);
  private static final Duration DEADLINE = Duration.ofSeconds(10);

  private final ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1);
  private final DrainTracker drains = new DrainTracker();
  private final AtomicInteger checks = new AtomicInteger();

  @AfterEach
  void stop() {
    executor.shutdownNow();
  }

  @Test
  void checksOnlyWhileSomethingDrains() throws Exception {
    DrainSchedule schedule = new DrainSchedule(executor, checks::incrementAndGet, PERIOD, drains);
    drains.onDraining(schedule::wake);
    assertThat(executor.getQueue()).as("nothing drains: no timer").isEmpty();

    drains.draining(ref("10.244.1.2"), Instant.now());
    drains.draining(ref("10.244.1.3"), Instant.now());
    assertThat(executor.getQueue()).as("one check for both").hasSize(1);
    // Still draining after a check: the next one follows a period later.
    awaitUntil(() -> checks.get() >= 2);

    drains.forget(ref("10.244.1.2"));
    drains.forget(ref("10.244.1.3"));
    awaitUntil(() -> executor.getQueue().isEmpty() && executor.getActiveCount() == 0);
    int done = checks.get();
    drains.draining(ref("10.244.1.4"), Instant.now());
    awaitUntil(() -> checks.get() > done);
  }

  @Test
  void aWakeUpAfterTheProxierStoppedIsIgnored() {
    DrainSchedule schedule = new DrainSchedule(executor, checks::incrementAndGet, PERIOD, drains);
    executor.shutdownNow();
    assertThatCode(schedule::wake).doesNotThrowAnyException();
  }

  private static IpvsPlan.RealServerRef ref(String ip) throws Exception {
    return new IpvsPlan.RealServerRef(
        new VirtualServerKey.Address(Protocol.TCP, InetAddress.getByName("10.96.0.1"), 80),
        new RealServerKey(InetAddress.getByName(ip), 8080));
  }

  private static void awaitUntil(BooleanSupplier condition) throws InterruptedException {
    long end = System.nanoTime() + DEADLINE.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new AssertionError("not within " + DEADLINE);
      }
      Thread.sleep(10);
    }
  }
}
