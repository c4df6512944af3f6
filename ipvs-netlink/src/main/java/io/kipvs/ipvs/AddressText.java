package io.kipvs.ipvs;

import java.net.Inet4Address;
import java.net.InetAddress;

/**
 * Addresses as glibc's inet_ntop prints them, as ipvsadm and ip show them (IPv6 compressed, no
 * scope), unlike {@link InetAddress#getHostAddress()}.
 */
public final class AddressText {
  private AddressText() {}

  public static String of(InetAddress address) {
    byte[] b = address.getAddress();
    if (address instanceof Inet4Address) {
      return (b[0] & 255) + "." + (b[1] & 255) + "." + (b[2] & 255) + "." + (b[3] & 255);
    }
    int[] words = new int[8];
    for (int i = 0; i < 8; i++) {
      words[i] = ((b[2 * i] & 255) << 8) | (b[2 * i + 1] & 255);
    }
    int bestBase = -1;
    int bestLength = 0;
    for (int i = 0; i < 8; ) {
      if (words[i] != 0) {
        i++;
        continue;
      }
      int j = i;
      while (j < 8 && words[j] == 0) {
        j++;
      }
      if (j - i > bestLength) {
        bestBase = i;
        bestLength = j - i;
      }
      i = j;
    }
    if (bestLength < 2) {
      bestBase = -1;
    }
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < 8; i++) {
      if (bestBase >= 0 && i >= bestBase && i < bestBase + bestLength) {
        if (i == bestBase) {
          text.append(':');
        }
        continue;
      }
      if (i != 0) {
        text.append(':');
      }
      boolean embeddedIpv4 =
          i == 6
              && bestBase == 0
              && (bestLength == 6
                  || (bestLength == 7 && words[7] != 0x0001)
                  || (bestLength == 5 && words[5] == 0xffff));
      if (embeddedIpv4) {
        text.append(b[12] & 255).append('.').append(b[13] & 255).append('.');
        text.append(b[14] & 255).append('.').append(b[15] & 255);
        return text.toString();
      }
      text.append(Integer.toHexString(words[i]));
    }
    if (bestBase >= 0 && bestBase + bestLength == 8) {
      text.append(':');
    }
    return text.toString();
  }
}
