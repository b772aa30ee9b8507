package io.dosqlite.testsupport.proxy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.SequenceInputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy that passes HTTP/1.1 through unchanged but reads the WebSocket connections it
 * carries frame by frame, so it can lose, delay and reorder single messages of the lease push
 * channel as a real path (a middlebox, a partition that heals) would show them to the client:
 * server-to-client {@code invalidate} messages are dropped or held back (a held message is
 * overtaken by later ones, which reorders them), client-to-server {@code ack}s are dropped. Control
 * frames (ping, pong, close) and every other message pass at once. {@link #dropConnections()} cuts
 * every socket. Permessage-deflate is taken out of the upgrade so messages can be read.
 */
public final class WebSocketFaultProxy extends TcpProxy {
    private final String targetHost;
    private final int targetPort;
    private final Random random;
    private volatile double dropInvalidations;
    private volatile double delayInvalidations;
    private volatile long maxDelayMillis;
    private volatile double dropAcks;
    private final AtomicLong invalidations = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong delayed = new AtomicLong();
    private final AtomicLong acksDropped = new AtomicLong();

    /** A pass-through proxy to {@code targetHost:targetPort}; set faults with {@link #faults}. */
    public WebSocketFaultProxy(String targetHost, int targetPort, long seed) throws IOException {
        super("ws-fault-proxy-" + targetPort);
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        this.random = new Random(seed);
        listen();
    }

    /**
     * Fault rates from now on: each invalidation is dropped with probability {@code drop}, else held
     * back a random 1..{@code maxDelayMs} ms with probability {@code delay}; each ack is dropped with
     * probability {@code dropAck}.
     */
    public void faults(double drop, double delay, long maxDelayMs, double dropAck) {
        this.dropInvalidations = drop;
        this.delayInvalidations = delay;
        this.maxDelayMillis = maxDelayMs;
        this.dropAcks = dropAck;
    }

    /** {invalidations seen, dropped, delayed, acks dropped} so far. */
    public long[] counters() {
        return new long[] {invalidations.get(), dropped.get(), delayed.get(), acksDropped.get()};
    }

    @Override
    protected void serve(Socket client) throws IOException {
        client.setTcpNoDelay(true);
        Socket upstream = connect(targetHost, targetPort, 10_000);
        AtomicBoolean upgraded = new AtomicBoolean();
        CountDownLatch done = new CountDownLatch(2);
        try {
            spawn(() -> pumpRequests(client, upstream, upgraded, done));
            spawn(() -> pumpResponses(upstream, client, upgraded, done));
            done.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the proxy is closing
        } finally {
            release(upstream);
        }
    }

    /** Client to server: HTTP requests verbatim until one upgrades, then WebSocket frames. */
    private void pumpRequests(Socket from, Socket to, AtomicBoolean upgraded, CountDownLatch done) {
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            while (true) {
                String head = readHead(in);
                if (head == null) {
                    break;
                }
                if (head.toLowerCase(Locale.ROOT).contains("\nupgrade: websocket")) {
                    // the answer to this request is the 101: from then on the server sends frames
                    upgraded.set(true);
                    out.write(withoutExtensions(head).getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                    frames(in, to, true);
                    break;
                }
                out.write(head.getBytes(StandardCharsets.ISO_8859_1));
                copyBody(head, in, out);
                out.flush();
            }
        } catch (IOException ignored) {
            // connection closed
        } finally {
            closeBoth(from, to);
            done.countDown();
        }
    }

    /** Server to client: bytes verbatim; once the client asked for an upgrade, the 101 head then frames. */
    private void pumpResponses(Socket from, Socket to, AtomicBoolean upgraded, CountDownLatch done) {
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            byte[] buf = new byte[64 * 1024];
            for (int n; (n = in.read(buf)) > 0; ) {
                if (upgraded.get()) {
                    // HTTP/1.1 answers in order and OkHttp sends the upgrade only after the previous
                    // answer was read: these bytes are the 101's
                    InputStream rest = new SequenceInputStream(new ByteArrayInputStream(buf, 0, n), in);
                    String head = readHead(rest);
                    if (head == null) {
                        break;
                    }
                    out.write(head.getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                    if (head.startsWith("HTTP/1.1 101")) {
                        frames(rest, to, false);
                    } else {
                        rest.transferTo(out);
                    }
                    break;
                }
                out.write(buf, 0, n);
                out.flush();
            }
        } catch (IOException ignored) {
            // connection closed
        } finally {
            closeBoth(from, to);
            done.countDown();
        }
    }

    private record Frame(long due, long seq, byte[] bytes) {
    }

    /** Reads frames from {@code in}; faults decide each data frame's fate; a writer sends them by due time. */
    private void frames(InputStream in, Socket to, boolean fromClient) throws IOException {
        PriorityQueue<Frame> queue = new PriorityQueue<>((a, b) -> a.due() != b.due()
                ? Long.compare(a.due(), b.due()) : Long.compare(a.seq(), b.seq()));
        AtomicBoolean ended = new AtomicBoolean();
        Thread writer = new Thread(() -> write(queue, ended, to), "ws-fault-proxy-writer");
        writer.setDaemon(true);
        writer.start();
        try {
            for (long seq = 0; ; seq++) {
                byte[] frame = readFrame(in);
                if (frame == null) {
                    break;
                }
                long delayMs = 0;
                String text = textOf(frame);
                if (text != null && !fromClient && text.contains("\"type\":\"invalidate\"")) {
                    invalidations.incrementAndGet();
                    synchronized (random) {
                        if (random.nextDouble() < dropInvalidations) {
                            dropped.incrementAndGet();
                            continue;
                        }
                        if (random.nextDouble() < delayInvalidations) {
                            delayed.incrementAndGet();
                            delayMs = 1 + random.nextInt((int) Math.max(1, maxDelayMillis));
                        }
                    }
                } else if (text != null && fromClient && text.contains("\"type\":\"ack\"")) {
                    synchronized (random) {
                        if (random.nextDouble() < dropAcks) {
                            acksDropped.incrementAndGet();
                            continue;
                        }
                    }
                }
                synchronized (queue) {
                    queue.add(new Frame(System.nanoTime() + delayMs * 1_000_000L, seq, frame));
                    queue.notifyAll();
                }
            }
        } finally {
            synchronized (queue) {
                ended.set(true);
                queue.notifyAll();
            }
        }
    }

    private static void write(PriorityQueue<Frame> queue, AtomicBoolean ended, Socket to) {
        try {
            OutputStream out = to.getOutputStream();
            while (true) {
                Frame f;
                synchronized (queue) {
                    while (true) {
                        Frame head = queue.peek();
                        long now = System.nanoTime();
                        if (head != null && head.due() <= now) {
                            f = queue.poll();
                            break;
                        }
                        if (head == null && ended.get()) {
                            to.shutdownOutput();
                            return;
                        }
                        long waitMs = head == null ? 1000 : Math.max(1, (head.due() - now) / 1_000_000L);
                        queue.wait(waitMs);
                    }
                }
                out.write(f.bytes());
                out.flush();
            }
        } catch (IOException | InterruptedException ignored) {
            // connection closed
        }
    }

    /** One whole frame as on the wire, or null at a clean end of stream. */
    private static byte[] readFrame(InputStream in) throws IOException {
        int b0 = in.read();
        if (b0 < 0) {
            return null;
        }
        int b1 = readByte(in);
        ByteArrayOutputStream f = new ByteArrayOutputStream();
        f.write(b0);
        f.write(b1);
        long len = b1 & 0x7f;
        if (len == 126) {
            byte[] ext = readN(in, 2);
            f.write(ext);
            len = ((ext[0] & 0xff) << 8) | (ext[1] & 0xff);
        } else if (len == 127) {
            byte[] ext = readN(in, 8);
            f.write(ext);
            len = 0;
            for (byte x : ext) {
                len = (len << 8) | (x & 0xff);
            }
        }
        if ((b1 & 0x80) != 0) {
            f.write(readN(in, 4));
        }
        f.write(readN(in, Math.toIntExact(len)));
        return f.toByteArray();
    }

    /** The payload of a single-frame text message, unmasked; null for any other frame. */
    private static String textOf(byte[] frame) {
        if ((frame[0] & 0x8f) != 0x81) {
            return null; // not FIN + text
        }
        int b1 = frame[1] & 0xff;
        int len = b1 & 0x7f;
        int at = 2;
        if (len == 126) {
            len = ((frame[2] & 0xff) << 8) | (frame[3] & 0xff);
            at = 4;
        } else if (len == 127) {
            at = 10;
            len = frame.length - at - ((b1 & 0x80) != 0 ? 4 : 0);
        }
        byte[] payload = new byte[len];
        if ((b1 & 0x80) != 0) {
            int mask = at;
            at += 4;
            for (int i = 0; i < len; i++) {
                payload[i] = (byte) (frame[at + i] ^ frame[mask + (i & 3)]);
            }
        } else {
            System.arraycopy(frame, at, payload, 0, len);
        }
        return new String(payload, StandardCharsets.UTF_8);
    }

    /** An HTTP head through its blank line, or null if the stream ended before one began. */
    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream(512);
        int c;
        int tail = 0;
        while ((c = in.read()) >= 0) {
            b.write(c);
            tail = (tail << 8) | c;
            if (tail == 0x0d0a0d0a) {
                return b.toString(StandardCharsets.ISO_8859_1);
            }
        }
        if (b.size() == 0) {
            return null;
        }
        throw new EOFException("HTTP head cut off");
    }

    private static String withoutExtensions(String head) {
        StringBuilder out = new StringBuilder();
        for (String line : head.split("\r\n", -1)) {
            if (!line.toLowerCase(Locale.ROOT).startsWith("sec-websocket-extensions:")) {
                out.append(line).append("\r\n");
            }
        }
        // split kept the two empty strings after the final CRLF CRLF: one CRLF too many
        return out.substring(0, out.length() - 2);
    }

    /** Copies a request body framed by Content-Length or chunked encoding. */
    private static void copyBody(String head, InputStream in, OutputStream out) throws IOException {
        String lower = head.toLowerCase(Locale.ROOT);
        if (lower.contains("\ntransfer-encoding: chunked")) {
            while (true) {
                String size = readLine(in);
                out.write((size + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                int semi = size.indexOf(';');
                int n = Integer.parseInt((semi < 0 ? size : size.substring(0, semi)).trim(), 16);
                if (n == 0) {
                    for (String t; !(t = readLine(in)).isEmpty(); ) {
                        out.write((t + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                    }
                    out.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
                    return;
                }
                out.write(readN(in, n));
                out.write((readLine(in) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            }
        }
        int at = lower.indexOf("\ncontent-length:");
        if (at >= 0) {
            int end = lower.indexOf('\r', at + 1);
            long n = Long.parseLong(lower.substring(at + "\ncontent-length:".length(), end).trim());
            out.write(readN(in, Math.toIntExact(n)));
        }
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int c; (c = readByte(in)) != '\n'; ) {
            if (c != '\r') {
                b.write(c);
            }
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    private static int readByte(InputStream in) throws IOException {
        int c = in.read();
        if (c < 0) {
            throw new EOFException();
        }
        return c;
    }

    private static byte[] readN(InputStream in, int n) throws IOException {
        byte[] b = in.readNBytes(n);
        if (b.length != n) {
            throw new EOFException();
        }
        return b;
    }

    private static void closeBoth(Socket a, Socket b) {
        closeQuietly(a);
        closeQuietly(b);
    }
}
