package io.kipvs.ipvs;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RealServerSettingsTest {
  @Test
  void theCommonMasqueradeSettingsAreOneValueEach() {
    assertThat(RealServerSettings.masquerade(1)).isSameAs(RealServerSettings.masquerade(1));
    assertThat(RealServerSettings.masquerade(0)).isSameAs(RealServerSettings.masquerade(0));
    assertThat(RealServerSettings.masquerade(0).weight()).isZero();
  }

  @Test
  void masqueradeKeepsTheWeightItIsGiven() {
    for (int weight : new int[] {0, 1, 2, 100}) {
      RealServerSettings s = RealServerSettings.masquerade(weight);
      assertThat(s)
          .isEqualTo(
              new RealServerSettings(
                  ForwardingMethod.MASQUERADE, weight, 0, 0, TunnelSettings.IPIP));
    }
  }
}
