package io.kipvs.ipvs;

import java.util.EnumSet;
import java.util.Set;

/**
 * Flags of a virtual server (IP_VS_SVC_F_*). The scheduler flags are shared bits whose meaning
 * depends on the scheduler: SCHED1 is sh-fallback or mh-fallback, SCHED2 is sh-port or mh-port. The
 * kernel's internal HASHED bit is never part of a model value.
 */
public enum ServiceFlag {
  PERSISTENT(0x0001),
  ONE_PACKET(0x0004),
  SCHED1(0x0008),
  SCHED2(0x0010),
  SCHED3(0x0020);

  /** The bits a {@link ServiceFlag} set can express; used as the mask when writing flags. */
  public static final int ALL_BITS = 0x0001 | 0x0004 | 0x0008 | 0x0010 | 0x0020;

  private final int bit;

  ServiceFlag(int bit) {
    this.bit = bit;
  }

  public int bit() {
    return bit;
  }

  public static int toBits(Set<ServiceFlag> flags) {
    int bits = 0;
    for (ServiceFlag f : flags) {
      bits |= f.bit;
    }
    return bits;
  }

  /** The flags in these bits; bits outside {@link #ALL_BITS} (such as HASHED) are dropped. */
  public static Set<ServiceFlag> fromBits(int bits) {
    EnumSet<ServiceFlag> set = EnumSet.noneOf(ServiceFlag.class);
    for (ServiceFlag f : values()) {
      if ((bits & f.bit) != 0) {
        set.add(f);
      }
    }
    return Set.copyOf(set);
  }
}
