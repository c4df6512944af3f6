package io.kipvs.daemon.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.kipvs.daemon.proxy.SyncLoop.Step;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SyncLoopStepTest {
  @ParameterizedTest(name = "full due {0}, change due {1}, last was full {2} -> {3}")
  @CsvSource({
    // The first sync is a full one, whatever is pending.
    "true, true, false, FULL",
    "true, false, false, FULL",
    "true, false, true, FULL",
    // A change waiting behind an overdue resync goes first once a full sync has run.
    "true, true, true, INCREMENTAL",
    "false, true, false, INCREMENTAL",
    "false, true, true, INCREMENTAL",
    "false, false, true, WAIT",
    "false, false, false, WAIT",
  })
  void picksTheNextStep(boolean fullDue, boolean changeDue, boolean lastWasFull, Step expected) {
    assertThat(SyncLoop.next(fullDue, changeDue, lastWasFull)).isEqualTo(expected);
  }

  @Test
  void fullAndIncrementalAlternateWhileResyncsOverrun() {
    boolean lastWasFull = false;
    StringBuilder steps = new StringBuilder();
    for (int i = 0; i < 4; i++) {
      Step step = SyncLoop.next(true, true, lastWasFull);
      steps.append(step.name().charAt(0));
      lastWasFull = step == Step.FULL;
    }
    assertThat(steps.toString()).isEqualTo("FIFI");
  }

  @Test
  void aResyncWaitsForTheMinSyncPeriodAfterAnyLastSync() {
    Instant lastFull = Instant.parse("2026-01-01T00:00:00Z");
    Duration period = Duration.ofSeconds(30);
    Duration minPeriod = Duration.ofSeconds(5);
    // An incremental sync 28 s after the last full one: the resync due at 30 s waits until 33 s.
    assertThat(SyncLoop.fullSyncAt(lastFull, lastFull.plusSeconds(28), period, minPeriod))
        .isEqualTo(lastFull.plusSeconds(33));
    // One long enough before: the period alone decides.
    assertThat(SyncLoop.fullSyncAt(lastFull, lastFull.plusSeconds(10), period, minPeriod))
        .isEqualTo(lastFull.plusSeconds(30));
    // Without a min period, the period alone decides.
    assertThat(SyncLoop.fullSyncAt(lastFull, lastFull.plusSeconds(29), period, Duration.ZERO))
        .isEqualTo(lastFull.plusSeconds(30));
  }
}
