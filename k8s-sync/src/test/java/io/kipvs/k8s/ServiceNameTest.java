package io.kipvs.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ServiceNameTest {
  @Test
  void equalExactlyWhenNamespaceAndNameAre() {
    ServiceName web = new ServiceName("default", "web");
    ServiceName same = new ServiceName(new String("default"), new String("web"));
    assertThat(web).isEqualTo(same).isNotEqualTo(null).isNotEqualTo("default/web");
    assertThat(web.hashCode()).isEqualTo(same.hashCode());
    assertThat(web).isNotEqualTo(new ServiceName("other", "web"));
    assertThat(web).isNotEqualTo(new ServiceName("default", "api"));
    // Not the same as namespace and name run together.
    assertThat(new ServiceName("a", "bc")).isNotEqualTo(new ServiceName("ab", "c"));
  }
}
