package io.kipvs.xtables;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.Test;

class LegacyTablesTest {

  @Test
  void decodesIptGetinfo() {
    // struct ipt_getinfo of a nat table as x86_64 lays it out: name[32], valid_hooks,
    // hook_entry[5], underflow[5], num_entries, size.
    ByteBuffer b = ByteBuffer.allocate(LegacyTables.GETINFO_LENGTH).order(ByteOrder.LITTLE_ENDIAN);
    b.put("nat".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    b.position(32);
    b.putInt(0b11011); // PRE_ROUTING, LOCAL_IN, LOCAL_OUT, POST_ROUTING
    for (int hook : new int[] {0, 152, 0, 304, 456}) {
      b.putInt(hook);
    }
    for (int underflow : new int[] {0, 152, 0, 304, 456}) {
      b.putInt(underflow);
    }
    b.putInt(7).putInt(1256);
    assertThat(b.position()).isEqualTo(84);

    assertThat(LegacyTables.decode("nat", b))
        .isEqualTo(
            new TableSummary(
                "nat", List.of(0, 152, 0, 304, 456), List.of(0, 152, 0, 304, 456), 7, 1256));
  }
}
