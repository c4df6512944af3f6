package io.kipvs.netlink;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;

/** Test helper: bytes written as spaced hex, and the bytes a writer produced. */
public final class Hex {
  private Hex() {}

  public static byte[] bytes(String spacedHex) {
    return HexFormat.of().parseHex(spacedHex.replaceAll("\\s+", ""));
  }

  public static ByteBuffer buffer(String spacedHex) {
    return ByteBuffer.wrap(bytes(spacedHex)).order(ByteOrder.LITTLE_ENDIAN);
  }

  public static String of(MessageWriter writer) {
    byte[] out = new byte[writer.length()];
    writer.buffer().get(0, out);
    return HexFormat.ofDelimiter(" ").formatHex(out);
  }

  public static String normalise(String spacedHex) {
    return HexFormat.ofDelimiter(" ").formatHex(bytes(spacedHex));
  }

  /** The first message in these bytes. */
  public static Message message(String spacedHex) {
    ByteBuffer b = buffer(spacedHex);
    return new MessageCursor().reset(b, 0, b.limit()).next();
  }
}
