package io.kipvs.k8s;

import static io.kipvs.k8s.Fixtures.ep;
import static io.kipvs.k8s.Fixtures.epBuilder;
import static io.kipvs.k8s.Fixtures.slice;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class SliceTranslationTest {
  private final SliceTranslation translation =
      new SliceTranslation(Fixtures.NODE, new Fixtures.CollectingReporter());

  @Test
  void endpointsOnOneNodeShareOneNodeNameAndZoneValue() {
    ParsedSlice a =
        translation
            .translate(
                slice("ns", "a-1", "a", epBuilder("10.0.0.1").withZone("zone-a").build()).build())
            .orElseThrow();
    ParsedSlice b =
        translation
            .translate(
                slice(
                        "ns",
                        "b-1",
                        "b",
                        epBuilder("10.0.0.2").withZone("zone-a").build(),
                        ep("10.0.0.3/RL"))
                    .build())
            .orElseThrow();

    ParsedSlice.SliceEndpoint first = a.endpoints().get(0);
    ParsedSlice.SliceEndpoint second = b.endpoints().get(0);
    assertThat(first.nodeName()).contains("node-other").isSameAs(second.nodeName());
    assertThat(first.zone()).contains("zone-a").isSameAs(second.zone());
    assertThat(first.local()).isFalse();
    ParsedSlice.SliceEndpoint local = b.endpoints().get(1);
    assertThat(local.nodeName()).contains(Fixtures.NODE);
    assertThat(local.local()).isTrue();
    assertThat(local.zone()).isEmpty();
  }

  @Test
  void anEmptyNodeNameOrZoneIsAbsent() {
    ParsedSlice s =
        translation
            .translate(
                slice("ns", "a-1", "a", epBuilder("10.0.0.1").withNodeName("").withZone("").build())
                    .build())
            .orElseThrow();

    assertThat(s.endpoints().get(0).nodeName()).isEqualTo(Optional.empty());
    assertThat(s.endpoints().get(0).zone()).isEqualTo(Optional.empty());
    assertThat(s.endpoints().get(0).local()).isFalse();
  }
}
