package io.jraid.device;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A member backed by an image file or a block device, through a {@link FileChannel} with positional
 * I/O, made asynchronous by a few I/O threads of its own.
 *
 * <h2>Threads and allocation</h2>
 *
 * Each device owns {@link Builder#ioThreads(int) ioThreads} platform threads (default 2) and {@link
 * Builder#queueDepth(int) queueDepth} request objects (default 256), all made at open. A submission
 * takes a free request, fills it and queues it; an I/O thread runs it, calls the completion and
 * returns the request. Nothing is allocated per I/O on the success path: a {@link FileChannel} only
 * takes {@link ByteBuffer}s, so each I/O thread keeps the views it made of the native segments it
 * transferred lately (see {@link Views}) and finds them again on the next I/O to the same pages
 * (the stripe cache's), instead of calling {@link MemorySegment#asByteBuffer()} (64 bytes, which C2
 * does not always scalar-replace) every time. The queues are monitors rather than {@code
 * java.util.concurrent} queues because a parked {@code Condition} waiter allocates a node each time
 * it waits, i.e. about once per I/O on an idle device.
 *
 * <p>A segment the I/O threads may not touch (one from {@code Arena.ofConfined()}, owned by the
 * caller) is transferred synchronously on the caller's thread instead, so that the blocking helpers
 * work with confined memory on cold paths.
 *
 * <p>When all requests are in flight, a submitter waits for one to come back (back-pressure, like a
 * full block-layer queue): size {@code queueDepth} to the most I/O the caller keeps in flight if it
 * must never wait. A completion that submits again (on an I/O thread) never waits: with no free
 * request, its I/O runs inline on that thread.
 *
 * <h2>Durability</h2>
 *
 * A FUA write goes through a second channel opened with {@code DSYNC} ({@code O_DSYNC}): Linux then
 * makes durable that write's range only (and, with O_DIRECT, sends a real FUA write to the disk),
 * where {@code force} would write back every dirty page of the file. A {@link #flush} is {@link
 * FileChannel#force force(false)} ({@code fdatasync}): it covers every write completed before it.
 *
 * <h2>Discard</h2>
 *
 * Java cannot punch holes in a file or send BLKDISCARD, and writing zeros would turn a whole-device
 * discard (as {@code mkfs} issues) into a full write; so a discard checks its range and succeeds
 * without changing anything: discarded ranges read back their old data, which the {@link
 * BlockDevice} contract allows.
 *
 * <h2>Errors</h2>
 *
 * The asynchronous methods never throw for I/O or argument errors: a range outside the device, a
 * write to a read-only device, a closed device and every I/O failure complete with an {@link
 * IOException} whose message names the device, the operation and the byte range. With O_DIRECT, a
 * misaligned offset, length or buffer (or a heap buffer) completes with an {@link
 * IllegalArgumentException} saying which alignment was needed.
 *
 * <p>{@link #close()} refuses new I/O, waits for every submitted I/O to complete, then stops the
 * threads and closes the file.
 */
public final class FileDevice implements BlockDevice {

  private static final System.Logger LOG = System.getLogger(FileDevice.class.getName());

  /** The largest buffer view made at once: a {@link ByteBuffer} holds at most 2 GiB. */
  private static final long WINDOW = 1L << 30;

  /**
   * {@code com.sun.nio.file.ExtendedOpenOption.DIRECT}, looked up by name because javac warns on
   * every mention of that class (internal proprietary API) and the build turns warnings into
   * errors; null on a JDK without it.
   */
  private static final @Nullable OpenOption DIRECT = directOption();

  private enum Kind {
    READ,
    WRITE,
    FLUSH
  }

  private final Path path;
  private final String name;
  private final FileChannel channel;

  /** The same file opened with DSYNC, for FUA writes; null when read-only. */
  private final @Nullable FileChannel syncChannel;

  private final long size;
  private final int logicalBlockSize;
  private final boolean readOnly;
  private final boolean direct;
  private final FreeList free;
  private final WorkQueue work;
  private final Thread[] threads;
  private final Object closeLock = new Object();
  private boolean closed;

  private FileDevice(Builder b, FileChannel channel, @Nullable FileChannel syncChannel)
      throws IOException {
    this.path = b.path;
    this.name = b.path.toString();
    this.channel = channel;
    this.syncChannel = syncChannel;
    this.size = sizeOf(b.path, channel);
    this.readOnly = !b.readWrite;
    this.direct = b.direct;
    this.logicalBlockSize = logicalBlockSizeOf(b.path, b.direct);
    Request[] requests = new Request[b.queueDepth];
    for (int i = 0; i < requests.length; i++) {
      requests[i] = new Request();
    }
    this.free = new FreeList(requests);
    this.work = new WorkQueue(requests.length);
    this.threads = new Thread[b.ioThreads];
    String file = b.path.getFileName() == null ? name : b.path.getFileName().toString();
    for (int i = 0; i < threads.length; i++) {
      threads[i] =
          Thread.ofPlatform().name("jraid-io-" + file + "-" + i).daemon(true).unstarted(this::run);
    }
    for (Thread t : threads) {
      t.start();
    }
  }

  /** Opens {@code path} for reading only: nothing will be written to it. */
  public static FileDevice openReadOnly(Path path) throws IOException {
    return builder(path).open();
  }

  /** Opens {@code path} for reading and writing. */
  public static FileDevice openReadWrite(Path path) throws IOException {
    return builder(path).readWrite(true).open();
  }

  /** A builder for a device on {@code path}: read-only, buffered, 2 I/O threads, 256 requests. */
  public static Builder builder(Path path) {
    return new Builder(path);
  }

  /** How to open a {@link FileDevice}. */
  public static final class Builder {
    private final Path path;
    private boolean readWrite;
    private boolean direct;
    private int ioThreads = 2;
    private int queueDepth = 256;

    private Builder(Path path) {
      this.path = path;
    }

    /** Whether writes are allowed (default false: read-only). */
    public Builder readWrite(boolean readWrite) {
      this.readWrite = readWrite;
      return this;
    }

    /**
     * Whether to bypass the page cache with O_DIRECT (default false). Every transfer must then be
     * aligned to {@link FileDevice#logicalBlockSize()} in offset, length and memory address, and
     * use native memory.
     */
    public Builder direct(boolean direct) {
      this.direct = direct;
      return this;
    }

    /** The number of I/O threads (default 2, at least 1). */
    public Builder ioThreads(int ioThreads) {
      if (ioThreads < 1) {
        throw new IllegalArgumentException("ioThreads=" + ioThreads);
      }
      this.ioThreads = ioThreads;
      return this;
    }

    /** The number of I/Os that can be queued or running at once (default 256, at least 1). */
    public Builder queueDepth(int queueDepth) {
      if (queueDepth < 1) {
        throw new IllegalArgumentException("queueDepth=" + queueDepth);
      }
      this.queueDepth = queueDepth;
      return this;
    }

    /**
     * Opens the device.
     *
     * @throws IOException if the path is missing, a directory, not accessible, or (with {@link
     *     #direct}) on a file system without O_DIRECT; the message says which
     */
    public FileDevice open() throws IOException {
      if (!Files.exists(path)) {
        throw new IOException(path + ": no such file or device");
      }
      if (Files.isDirectory(path)) {
        throw new IOException(path + ": is a directory, not a member file or block device");
      }
      List<OpenOption> options = new ArrayList<>();
      options.add(StandardOpenOption.READ);
      if (readWrite) {
        options.add(StandardOpenOption.WRITE);
      }
      if (direct) {
        if (DIRECT == null) {
          throw new IOException(path + ": this JDK has no O_DIRECT (ExtendedOpenOption.DIRECT)");
        }
        options.add(DIRECT);
      }
      FileChannel channel = openChannel(options);
      FileChannel syncChannel = null;
      try {
        if (readWrite) {
          options.add(StandardOpenOption.DSYNC);
          syncChannel = openChannel(options);
        }
        return new FileDevice(this, channel, syncChannel);
      } catch (IOException | RuntimeException e) {
        channel.close();
        if (syncChannel != null) {
          syncChannel.close();
        }
        throw e;
      }
    }

    private FileChannel openChannel(List<OpenOption> options) throws IOException {
      String mode = (readWrite ? "read-write" : "read-only") + (direct ? " with O_DIRECT" : "");
      try {
        return FileChannel.open(path, options.toArray(OpenOption[]::new));
      } catch (AccessDeniedException e) {
        throw new IOException(path + ": permission denied opening " + mode, e);
      } catch (IOException e) {
        if (direct) {
          throw new IOException(
              path
                  + ": cannot open "
                  + mode
                  + " ("
                  + e.getMessage()
                  + "): the file system may not support direct I/O (tmpfs does not)",
              e);
        }
        throw new IOException(path + ": cannot open " + mode + ": " + e.getMessage(), e);
      }
    }
  }

  private static @Nullable OpenOption directOption() {
    try {
      for (Object o : Class.forName("com.sun.nio.file.ExtendedOpenOption").getEnumConstants()) {
        if (o instanceof OpenOption option && "DIRECT".equals(option.toString())) {
          return option;
        }
      }
    } catch (ClassNotFoundException e) {
      // No jdk.unsupported module: direct I/O is not available.
    }
    return null;
  }

  /**
   * The size of a file, or of a block device (whose {@code st_size} is 0: read from sysfs, as
   * {@code blockdev --getsize64} would answer).
   */
  private static long sizeOf(Path path, FileChannel channel) throws IOException {
    long size = channel.size();
    if (size == 0 && !Files.isRegularFile(path)) {
      Path sysfs = sysfsDir(path);
      if (sysfs != null && Files.exists(sysfs.resolve("size"))) {
        size = Long.parseLong(Files.readString(sysfs.resolve("size")).trim()) * 512;
      }
    }
    return size;
  }

  /**
   * 512 for a file; a block device's {@code queue/logical_block_size} (a partition's is its
   * disk's). With O_DIRECT, at least the file system block size, which the JDK enforces on top of
   * the kernel's rule.
   */
  private static int logicalBlockSizeOf(Path path, boolean direct) throws IOException {
    int lbs = 512;
    if (!Files.isRegularFile(path)) {
      Path sysfs = sysfsDir(path);
      if (sysfs != null) {
        for (Path dir = sysfs; dir != null; dir = dir.getParent()) {
          Path file = dir.resolve("queue/logical_block_size");
          if (Files.exists(file)) {
            lbs = Integer.parseInt(Files.readString(file).trim());
            break;
          }
          if (!dir.startsWith("/sys/devices")) {
            break;
          }
        }
      }
    }
    if (direct) {
      lbs = (int) Math.max(lbs, Files.getFileStore(path).getBlockSize());
    }
    return lbs;
  }

  /** The sysfs folder of a block device ({@code /sys/devices/.../sda/sda1}), or null. */
  private static @Nullable Path sysfsDir(Path path) throws IOException {
    Path fileName = path.toRealPath().getFileName();
    if (fileName == null) {
      return null;
    }
    Path link = Path.of("/sys/class/block", fileName.toString());
    return Files.exists(link) ? link.toRealPath() : null;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public long size() {
    return size;
  }

  @Override
  public int logicalBlockSize() {
    return logicalBlockSize;
  }

  @Override
  public int memoryAlignment() {
    return direct ? logicalBlockSize : 1;
  }

  @Override
  public boolean readOnly() {
    return readOnly;
  }

  /** Whether the device was opened with O_DIRECT. */
  public boolean direct() {
    return direct;
  }

  /** The file or block device. */
  public Path path() {
    return path;
  }

  @Override
  public void read(MemorySegment dst, long offset, IoCompletion done) {
    long length = dst.byteSize();
    Throwable error = DeviceErrors.checkRange(name, "read", offset, length, size);
    if (error == null) {
      error = checkDirect(dst, "read", offset, length);
    }
    if (error == null && dst.isReadOnly()) {
      error = new IllegalArgumentException(name + ": read into a read-only segment");
    }
    submit(error, Kind.READ, dst, offset, length, false, done);
  }

  @Override
  public void write(MemorySegment src, long offset, boolean fua, IoCompletion done) {
    long length = src.byteSize();
    Throwable error =
        readOnly
            ? DeviceErrors.readOnly(name, offset, length)
            : DeviceErrors.checkRange(name, "write", offset, length, size);
    if (error == null) {
      error = checkDirect(src, "write", offset, length);
    }
    submit(error, Kind.WRITE, src, offset, length, fua, done);
  }

  @Override
  public void flush(IoCompletion done) {
    submit(null, Kind.FLUSH, null, 0, 0, false, done);
  }

  /** Checks the range and succeeds without changing anything (see the class comment). */
  @Override
  public void discard(long offset, long length, IoCompletion done) {
    Throwable error =
        readOnly
            ? DeviceErrors.failed(name, "discard", offset, length, "the device is read-only")
            : DeviceErrors.checkRange(name, "discard", offset, length, size);
    if (error == null && isClosed()) {
      error = DeviceErrors.closed(name, "discard");
    }
    done.completed(error);
  }

  /** With O_DIRECT: the alignment error of a transfer, or null. */
  private @Nullable Throwable checkDirect(
      MemorySegment segment, String op, long offset, long length) {
    if (!direct) {
      return null;
    }
    if (!segment.isNative()) {
      return new IllegalArgumentException(
          name
              + ": "
              + op
              + " "
              + DeviceErrors.range(offset, length)
              + " with O_DIRECT needs a native (off-heap) segment, not a heap one");
    }
    long mask = logicalBlockSize - 1L;
    if (((segment.address() | offset | length) & mask) != 0) {
      return new IllegalArgumentException(
          name
              + ": "
              + op
              + " of "
              + length
              + " bytes at offset "
              + offset
              + " into memory at 0x"
              + Long.toHexString(segment.address())
              + ": with O_DIRECT the offset, length and address must be multiples of "
              + logicalBlockSize);
    }
    return null;
  }

  private boolean isClosed() {
    synchronized (closeLock) {
      return closed;
    }
  }

  /** Queues an I/O, or completes it now with {@code error} when it is already known to fail. */
  private void submit(
      @Nullable Throwable error,
      Kind kind,
      @Nullable MemorySegment segment,
      long offset,
      long length,
      boolean fua,
      IoCompletion done) {
    if (error != null) {
      done.completed(error);
      return;
    }
    if (segment != null && !segment.isAccessibleBy(threads[0])) {
      // Memory confined to the caller (Arena.ofConfined, on cold paths such as superblock reads):
      // only this thread may touch it, so the transfer happens here, synchronously.
      done.completed(
          free.isClosed()
              ? DeviceErrors.closed(name, opName(kind))
              : executeOnCaller(kind, segment, offset, length, fua));
      return;
    }
    Request r;
    if (onIoThread()) {
      r = free.tryAcquire();
      if (r == null) {
        // A completion submitting while every request is in flight: waiting here could wait for
        // this very thread, so do the I/O now.
        done.completed(
            free.isClosed()
                ? DeviceErrors.closed(name, opName(kind))
                : execute(kind, segment, offset, length, fua, null));
        return;
      }
    } else {
      try {
        r = free.acquire();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        done.completed(
            DeviceErrors.failed(
                name, opName(kind), offset, length, "interrupted waiting for a free request"));
        return;
      }
    }
    if (r == null) {
      done.completed(DeviceErrors.closed(name, opName(kind)));
      return;
    }
    r.kind = kind;
    r.segment = segment;
    r.offset = offset;
    r.length = length;
    r.fua = fua;
    r.done = done;
    work.put(r);
  }

  private boolean onIoThread() {
    Thread me = Thread.currentThread();
    for (Thread t : threads) {
      if (t.equals(me)) {
        return true;
      }
    }
    return false;
  }

  /** An I/O thread: runs requests until the device closes. */
  private void run() {
    Views views = new Views();
    while (true) {
      Request r = work.take();
      if (r == null) {
        return;
      }
      Kind kind = r.kind;
      IoCompletion done = r.done;
      Throwable error;
      try {
        // A thread interrupted while in a FileChannel operation closes the channel for everyone;
        // I/O threads are never interrupted on purpose, so a stray interrupt is dropped.
        Thread.interrupted();
        error = execute(kind, r.segment, r.offset, r.length, r.fua, views);
        r.segment = null;
        r.done = null;
        try {
          if (done != null) {
            done.completed(error);
          }
        } catch (RuntimeException | Error e) {
          // A completion must not throw; keep the thread alive for the other I/Os.
          LOG.log(System.Logger.Level.ERROR, name + ": an I/O completion threw", e);
        }
      } finally {
        free.release(r);
      }
    }
  }

  /**
   * {@link #execute} on a thread that is not an I/O thread. The interrupt status is set aside
   * during the transfer, since a FileChannel used by an interrupted thread closes itself for every
   * user, and restored afterwards.
   */
  private @Nullable Throwable executeOnCaller(
      Kind kind, MemorySegment segment, long offset, long length, boolean fua) {
    boolean interrupted = Thread.interrupted();
    try {
      return execute(kind, segment, offset, length, fua, null);
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * Does one I/O on the calling thread; null on success, else the error for the completion.
   *
   * @param views the calling I/O thread's buffer views, or null on other threads
   */
  private @Nullable Throwable execute(
      Kind kind,
      @Nullable MemorySegment segment,
      long offset,
      long length,
      boolean fua,
      @Nullable Views views) {
    try {
      switch (kind) {
        case READ -> readFully(requireNonNull(segment), offset, views);
        case WRITE -> {
          FileChannel target = fua ? requireNonNull(syncChannel) : channel;
          writeFully(target, requireNonNull(segment), offset, views);
        }
        case FLUSH -> channel.force(false);
      }
      return null;
    } catch (IOException | RuntimeException e) {
      String op = kind == Kind.WRITE && fua ? "FUA write" : opName(kind);
      return DeviceErrors.failed(name, op, offset, length, String.valueOf(e), e);
    }
  }

  private static MemorySegment requireNonNull(@Nullable MemorySegment segment) {
    if (segment == null) {
      throw new IllegalStateException("a transfer without a segment");
    }
    return segment;
  }

  private static FileChannel requireNonNull(@Nullable FileChannel channel) {
    if (channel == null) {
      throw new IllegalStateException("a write on a read-only device");
    }
    return channel;
  }

  private static String opName(Kind kind) {
    return switch (kind) {
      case READ -> "read";
      case WRITE -> "write";
      case FLUSH -> "flush";
    };
  }

  private void readFully(MemorySegment dst, long offset, @Nullable Views views) throws IOException {
    long length = dst.byteSize();
    for (long done = 0; done < length; ) {
      ByteBuffer buffer = window(dst, done, views);
      while (buffer.hasRemaining()) {
        int n = channel.read(buffer, offset + done + buffer.position());
        if (n < 0) {
          throw new IOException(
              "unexpected end of file at byte "
                  + (offset + done + buffer.position())
                  + " (device truncated?)");
        }
      }
      done += buffer.capacity();
    }
  }

  private static void writeFully(
      FileChannel target, MemorySegment src, long offset, @Nullable Views views)
      throws IOException {
    long length = src.byteSize();
    for (long done = 0; done < length; ) {
      ByteBuffer buffer = window(src, done, views);
      while (buffer.hasRemaining()) {
        target.write(buffer, offset + done + buffer.position());
      }
      done += buffer.capacity();
    }
  }

  /** A buffer over at most 1 GiB of {@code segment} from {@code from}, at position 0. */
  private static ByteBuffer window(MemorySegment segment, long from, @Nullable Views views) {
    long length = segment.byteSize();
    if (from == 0 && length <= WINDOW) {
      return views != null ? views.of(segment) : segment.asByteBuffer();
    }
    return segment.asSlice(from, Math.min(length - from, WINDOW)).asByteBuffer();
  }

  /**
   * Refuses new I/O, waits until every submitted I/O has completed, stops the I/O threads and
   * closes the file. Must not be called from a completion of this device.
   */
  @Override
  public void close() throws IOException {
    synchronized (closeLock) {
      if (closed) {
        return;
      }
      closed = true;
    }
    if (onIoThread()) {
      throw new IllegalStateException(name + ": close() called from one of its own completions");
    }
    boolean interrupted = free.closeAndAwaitAll();
    work.stop();
    for (Thread t : threads) {
      while (true) {
        try {
          t.join();
          break;
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    try {
      channel.close();
    } finally {
      if (syncChannel != null) {
        syncChannel.close();
      }
    }
  }

  @Override
  public String toString() {
    return name;
  }

  /**
   * One I/O thread's {@link ByteBuffer} views of the native segments it transferred lately, in a
   * direct-mapped table keyed by address. A {@link FileChannel} only takes buffers, and C2 does not
   * always scalar-replace the view {@link MemorySegment#asByteBuffer()} makes (it does on the read
   * path, not on the write path: 64 bytes per write); the stripe engine does its member I/O on a
   * fixed set of pages, so after the first use of each page its view is found here and nothing is
   * allocated. A hit needs the same address, size, read-only flag and scope (the same arena), so a
   * view never outlives the memory it shows; a view keeps its arena reachable until replaced, which
   * matters only for automatic arenas.
   */
  private static final class Views {
    private static final int SLOTS = 1024;
    private final @Nullable MemorySegment[] keys = new MemorySegment[SLOTS];
    private final @Nullable ByteBuffer[] views = new ByteBuffer[SLOTS];

    /** A view of all of {@code segment} (at most {@link #WINDOW} bytes), position 0. */
    ByteBuffer of(MemorySegment segment) {
      if (!segment.isNative()) {
        // Heap segments at the same offset of different arrays look alike: never cached.
        return segment.asByteBuffer();
      }
      long address = segment.address();
      int slot = (int) ((address >>> 12) ^ (address >>> 22) ^ (address >>> 9)) & (SLOTS - 1);
      MemorySegment key = keys[slot];
      ByteBuffer view = views[slot];
      if (key != null
          && view != null
          && key.address() == address
          && key.byteSize() == segment.byteSize()
          && key.isReadOnly() == segment.isReadOnly()
          && key.scope().equals(segment.scope())) {
        view.clear();
        return view;
      }
      view = segment.asByteBuffer();
      keys[slot] = segment;
      views[slot] = view;
      return view;
    }
  }

  /** One queued I/O; reused, never reallocated. */
  private static final class Request {
    Kind kind = Kind.READ;
    @Nullable MemorySegment segment;
    long offset;
    long length;
    boolean fua;
    @Nullable IoCompletion done;
  }

  /** The requests not in use: a stack under a monitor. */
  private static final class FreeList {
    private final Request[] stack;
    private int top;
    private int waiters;
    private boolean closed;

    FreeList(Request[] requests) {
      this.stack = requests.clone();
      this.top = requests.length;
    }

    /** A free request, waiting for one if needed; null once closed. */
    synchronized @Nullable Request acquire() throws InterruptedException {
      while (!closed && top == 0) {
        waiters++;
        try {
          wait();
        } finally {
          waiters--;
        }
      }
      return closed ? null : pop();
    }

    /** A free request, or null when none is free or the list is closed. */
    synchronized @Nullable Request tryAcquire() {
      return closed || top == 0 ? null : pop();
    }

    private Request pop() {
      Request r = stack[--top];
      stack[top] = null;
      return r;
    }

    synchronized void release(Request r) {
      stack[top++] = r;
      if (closed) {
        notifyAll();
      } else if (waiters > 0) {
        notify();
      }
    }

    synchronized boolean isClosed() {
      return closed;
    }

    /**
     * Refuses further requests and waits until every request has come back; returns whether the
     * caller was interrupted meanwhile (the wait goes on regardless: the I/O is under way).
     */
    synchronized boolean closeAndAwaitAll() {
      closed = true;
      notifyAll();
      boolean interrupted = false;
      while (top < stack.length) {
        try {
          wait();
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
      return interrupted;
    }
  }

  /** The requests waiting for an I/O thread: a FIFO ring under a monitor. */
  private static final class WorkQueue {
    private final Request[] ring;
    private int head;
    private int count;
    private int waiters;
    private boolean stopped;

    WorkQueue(int capacity) {
      this.ring = new Request[capacity];
    }

    /** Never waits: there are no more requests than slots. */
    synchronized void put(Request r) {
      ring[(head + count) % ring.length] = r;
      count++;
      if (waiters > 0) {
        notify();
      }
    }

    /** The next request; null once stopped and empty. */
    synchronized @Nullable Request take() {
      while (count == 0) {
        if (stopped) {
          return null;
        }
        waiters++;
        try {
          wait();
        } catch (InterruptedException e) {
          // Nobody interrupts I/O threads on purpose; the stop flag is how they end.
        } finally {
          waiters--;
        }
      }
      Request r = ring[head];
      ring[head] = null;
      head = (head + 1) % ring.length;
      count--;
      return r;
    }

    synchronized void stop() {
      stopped = true;
      notifyAll();
    }
  }
}
