package io.kipvs.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kipvs.daemon.config.ApiRateLimit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The token bucket on a clock the test moves: the waits it asks for, in nanoseconds. */
class ApiRateLimiterTest {
  private static final long SECOND = 1_000_000_000L;

  private final AtomicLong now = new AtomicLong(42 * SECOND);
  private final List<Long> waits = new ArrayList<>();

  /** Waiting moves the clock by the wait, as a real sleep would. */
  private ApiRateLimiter limiter(double qps, int burst) {
    return new ApiRateLimiter(
        new ApiRateLimit(qps, burst),
        now::get,
        nanos -> {
          waits.add(nanos);
          now.addAndGet(nanos);
        });
  }

  @Test
  void aBurstGoesAtOnceThenOneRequestPerPeriod() throws InterruptedException {
    ApiRateLimiter limiter = limiter(2, 3);
    for (int i = 0; i < 6; i++) {
      limiter.acquire();
    }
    assertThat(waits).containsExactly(SECOND / 2, SECOND / 2, SECOND / 2);
  }

  @Test
  void theBucketRefillsUpToItsSize() throws InterruptedException {
    ApiRateLimiter limiter = limiter(5, 10);
    for (int i = 0; i < 10; i++) {
      limiter.acquire();
    }
    assertThat(waits).isEmpty();
    now.addAndGet(SECOND); // five tokens back
    for (int i = 0; i < 5; i++) {
      limiter.acquire();
    }
    assertThat(waits).isEmpty();
    limiter.acquire();
    assertThat(waits).containsExactly(SECOND / 5);
    waits.clear();
    now.addAndGet(3600 * SECOND); // never more than the bucket holds
    for (int i = 0; i < 11; i++) {
      limiter.acquire();
    }
    assertThat(waits).containsExactly(SECOND / 5);
  }

  @Test
  void requestsWaitingTogetherGoOutInTurn() throws InterruptedException {
    // Reservations without any time passing: each waits one period longer than the previous.
    List<Long> asked = new ArrayList<>();
    ApiRateLimiter limiter = new ApiRateLimiter(new ApiRateLimit(10, 1), now::get, asked::add);
    for (int i = 0; i < 4; i++) {
      limiter.acquire();
    }
    assertThat(asked).containsExactly(SECOND / 10, 2 * SECOND / 10, 3 * SECOND / 10);
  }

  @Test
  void noLimitIsNotALimiter() {
    assertThatThrownBy(() -> limiter(-1, 10)).isInstanceOf(IllegalArgumentException.class);
  }
}
