package io.jraid.nbd;

import java.nio.ByteBuffer;

/**
 * One decoded compact request header (28 bytes, {@link NbdProtocol}): magic, command flags, type,
 * cookie, offset, length. Mutable and reused for every request of a connection, so that decoding
 * allocates nothing. The offset is a u64 and the length a u32: use {@link #lengthUnsigned()} and
 * unsigned comparisons (an offset above 2^63 is a negative {@code long}).
 */
final class RequestHeader {

  int magic;
  int flags;
  int type;
  long cookie;
  long offset;
  int length;

  /** Decodes the 28 bytes at {@code in}'s position and advances past them. */
  void decode(ByteBuffer in) {
    magic = in.getInt();
    flags = Short.toUnsignedInt(in.getShort());
    type = Short.toUnsignedInt(in.getShort());
    cookie = in.getLong();
    offset = in.getLong();
    length = in.getInt();
  }

  /** Whether the magic is {@code NBD_REQUEST_MAGIC} (anything else loses the stream). */
  boolean hasRequestMagic() {
    return magic == NbdProtocol.REQUEST_MAGIC;
  }

  /** The length as the u32 it is. */
  long lengthUnsigned() {
    return Integer.toUnsignedLong(length);
  }

  @Override
  public String toString() {
    return "request[type="
        + type
        + ", flags=0x"
        + Integer.toHexString(flags)
        + ", cookie="
        + Long.toUnsignedString(cookie)
        + ", offset="
        + Long.toUnsignedString(offset)
        + ", length="
        + lengthUnsigned()
        + "]";
  }
}
