package io.kipvs.daemon.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class GoDurationTest {
  @ParameterizedTest
  @CsvSource({
    "30s, PT30S",
    "1m0s, PT1M",
    "1h30m, PT1H30M",
    "0s, PT0S",
    "0, PT0S",
    "24h, PT24H",
    "1.5h, PT1H30M",
    "300ms, PT0.3S",
    "2h45m30.5s, PT2H45M30.5S",
    "1us, PT0.000001S",
    "-1s, PT-1S",
    "+5m, PT5M"
  })
  void parsesGoSyntax(String text, Duration expected) {
    assertThat(GoDuration.parse(text)).isEqualTo(expected);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "30", "1x", "s", "1.2.3s", "abc", "1h-5m", "-"})
  void rejectsWhatGoRejects(String text) {
    assertThatThrownBy(() -> GoDuration.parse(text)).isInstanceOf(IllegalArgumentException.class);
  }

  @ParameterizedTest
  @CsvSource({
    "PT30S, 30s",
    "PT1M30S, 1m30s",
    "PT24H, 24h0m0s",
    "PT1H, 1h0m0s",
    "PT0S, 0s",
    "PT1.5S, 1.5s",
    "PT0.3S, 300ms",
    "PT15M, 15m0s"
  })
  void formatsAsGoDoes(Duration duration, String expected) {
    assertThat(GoDuration.format(duration)).isEqualTo(expected);
  }
}
