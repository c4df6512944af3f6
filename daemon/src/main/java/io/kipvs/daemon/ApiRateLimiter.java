package io.kipvs.daemon;

import io.kipvs.daemon.config.ApiRateLimit;
import java.util.concurrent.TimeUnit;

/**
 * client-go's client-side limit of API requests (--kube-api-qps, --kube-api-burst): a token bucket
 * of {@code burst} tokens refilled at {@code qps} per second. Each request takes one token; when
 * none is left it reserves the next one and waits for it, so that waiting requests go out in order,
 * {@code 1/qps} apart. Guava's RateLimiter cannot size its bucket apart from its rate, so this
 * stays a small class of its own.
 */
final class ApiRateLimiter {
  /** A monotonic clock in nanoseconds. */
  @FunctionalInterface
  interface Ticker {
    long nanos();
  }

  /** How a request waits for its token. */
  @FunctionalInterface
  interface Sleeper {
    void sleep(long nanos) throws InterruptedException;
  }

  private static final double NANOS_PER_SECOND = 1e9;

  private final double qps;
  private final int burst;
  private final Ticker ticker;
  private final Sleeper sleeper;
  private double tokens;
  private long last;

  ApiRateLimiter(ApiRateLimit limit, Ticker ticker, Sleeper sleeper) {
    if (!limit.limited() || limit.burst() < 1) {
      throw new IllegalArgumentException("not a limit: " + limit);
    }
    this.qps = limit.qps();
    this.burst = limit.burst();
    this.ticker = ticker;
    this.sleeper = sleeper;
    this.tokens = burst;
    this.last = ticker.nanos();
  }

  static ApiRateLimiter onSystemClock(ApiRateLimit limit) {
    return new ApiRateLimiter(limit, System::nanoTime, TimeUnit.NANOSECONDS::sleep);
  }

  /** Takes a token, waiting until it is there. */
  void acquire() throws InterruptedException {
    long wait;
    synchronized (this) {
      long now = ticker.nanos();
      tokens = Math.min(burst, tokens + (now - last) * qps / NANOS_PER_SECOND);
      last = now;
      tokens -= 1;
      wait = tokens >= 0 ? 0 : (long) Math.ceil(-tokens / qps * NANOS_PER_SECOND);
    }
    if (wait > 0) {
      sleeper.sleep(wait);
    }
  }
}
