package io.kipvs.k8s;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;

/**
 * Passes each distinct (object, problem) warning on at most once per interval, so that an invalid
 * object seen on every relist or update never floods the log.
 */
final class RateLimitedReporter implements BadInputReporter {
  static final Duration DEFAULT_INTERVAL = Duration.ofMinutes(5);

  // Bounds memory when many distinct bad objects come and go.
  private static final int PRUNE_ABOVE = 10_000;

  private final Consumer<String> sink;
  private final Clock clock;
  private final Duration interval;
  private final Map<String, Instant> lastReported = new ConcurrentHashMap<>();

  RateLimitedReporter(Consumer<String> sink, Clock clock, Duration interval) {
    this.sink = sink;
    this.clock = clock;
    this.interval = interval;
  }

  static RateLimitedReporter toLog(Logger log, Clock clock) {
    return new RateLimitedReporter(log::warn, clock, DEFAULT_INTERVAL);
  }

  @Override
  public void warn(String object, String problem) {
    Instant now = clock.instant();
    String key = object + '\0' + problem;
    boolean[] report = {false};
    lastReported.compute(
        key,
        (k, last) -> {
          if (last == null || !now.isBefore(last.plus(interval))) {
            report[0] = true;
            return now;
          }
          return last;
        });
    if (report[0]) {
      sink.accept(object + ": " + problem);
      if (lastReported.size() > PRUNE_ABOVE) {
        lastReported.values().removeIf(last -> !now.isBefore(last.plus(interval)));
      }
    }
  }
}
