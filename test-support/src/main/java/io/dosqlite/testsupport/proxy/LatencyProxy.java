package io.dosqlite.testsupport.proxy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A TCP proxy that delays every chunk by RTT/2 in each direction, preserving order, and counts wire
 * bytes and dependent round trips ("turns": client data that follows server data, or the first data
 * of a connection). A new connection's first chunk waits one more RTT, standing in for the TCP
 * handshake the loopback connect does not pay. The RTT can be changed between runs. Any protocol:
 * the benchmark puts it in front of the page server, the shipping Worker and PostgreSQL.
 *
 * <p>A connection that opens with a WebSocket upgrade (dosqlite's push channel) runs beside the
 * requests a client waits for: its bytes count, its turns are counted apart ({@link #counters()}
 * index 4), since interleaved with the requests' they would make every pushed message look like a
 * round trip of whatever query ran at the time.
 */
public final class LatencyProxy extends TcpProxy {
    private final String targetHost;
    private final int targetPort;
    private volatile long halfRttNanos;
    private final AtomicLong bytesUp = new AtomicLong();
    private final AtomicLong bytesDown = new AtomicLong();
    private final AtomicLong turns = new AtomicLong();
    private final AtomicLong connections = new AtomicLong();
    private final AtomicLong sideTurns = new AtomicLong();
    /** true after server-to-client data; the next client data starts a new round trip. */
    private volatile boolean serverSpokeLast = true;

    public LatencyProxy(String targetHost, int targetPort) throws IOException {
        super("latency-proxy-" + targetPort);
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        listen();
    }

    public void setRttMillis(int rttMs) {
        halfRttNanos = rttMs * 1_000_000L / 2;
    }

    /** {bytesUp, bytesDown, turns, connections, turns of WebSocket connections} so far. */
    public long[] counters() {
        return new long[] {bytesUp.get(), bytesDown.get(), turns.get(), connections.get(), sideTurns.get()};
    }

    /** Per connection: whether it is a WebSocket, and which side spoke last on it. */
    private static final class Conn {
        volatile boolean webSocket;
        volatile boolean serverSpokeLast = true;
    }

    @Override
    protected void serve(Socket client) throws IOException {
        client.setTcpNoDelay(true);
        Socket upstream;
        try {
            upstream = connect(targetHost, targetPort, 10_000);
        } catch (IOException e) {
            System.err.println("proxy: " + e);
            throw e;
        }
        connections.incrementAndGet();
        CountDownLatch bothDirections = new CountDownLatch(2);
        Conn conn = new Conn();
        try {
            pipe(client, upstream, true, bothDirections, conn);
            pipe(upstream, client, false, bothDirections, conn);
            bothDirections.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the proxy is closing
        } finally {
            release(upstream);
        }
    }

    private record Chunk(long due, byte[] data) {
    }

    private static final Chunk EOF = new Chunk(0, null);

    /** One direction: a reader queues each chunk with its due time, a writer sends it then. */
    private void pipe(Socket from, Socket to, boolean up, CountDownLatch done, Conn conn) {
        LinkedBlockingQueue<Chunk> q = new LinkedBlockingQueue<>();
        spawn(() -> {
            boolean first = true;
            byte[] buf = new byte[64 * 1024];
            try {
                InputStream in = from.getInputStream();
                for (int n; (n = in.read(buf)) > 0; ) {
                    long now = System.nanoTime();
                    if (first && up) {
                        conn.webSocket = isWebSocketUpgrade(buf, n);
                    }
                    count(up, n, conn);
                    long delay = halfRttNanos + (first && up ? 2 * halfRttNanos : 0);
                    first = false;
                    q.add(new Chunk(now + delay, Arrays.copyOf(buf, n)));
                }
            } catch (IOException ignored) {
                // connection closed
            }
            q.add(EOF);
        });
        spawn(() -> {
            try {
                OutputStream out = to.getOutputStream();
                for (Chunk c; (c = q.take()) != EOF; ) {
                    for (long wait; (wait = c.due() - System.nanoTime()) > 0; ) {
                        LockSupport.parkNanos(wait);
                    }
                    out.write(c.data());
                    out.flush();
                }
                to.shutdownOutput();
            } catch (IOException | InterruptedException ignored) {
                // connection closed
            } finally {
                done.countDown();
            }
        });
    }

    private void count(boolean up, int n, Conn conn) {
        if (conn.webSocket) {
            (up ? bytesUp : bytesDown).addAndGet(n);
            if (up && conn.serverSpokeLast) {
                sideTurns.incrementAndGet();
            }
            conn.serverSpokeLast = !up;
            return;
        }
        if (up) {
            bytesUp.addAndGet(n);
            if (serverSpokeLast) {
                serverSpokeLast = false;
                turns.incrementAndGet();
            }
        } else {
            bytesDown.addAndGet(n);
            serverSpokeLast = true;
        }
    }

    /** An HTTP/1.1 request head asking to upgrade to a WebSocket (RFC 6455 section 4.1). */
    static boolean isWebSocketUpgrade(byte[] buf, int n) {
        String head = new String(buf, 0, Math.min(n, 4096), java.nio.charset.StandardCharsets.ISO_8859_1).toLowerCase(java.util.Locale.ROOT);
        int end = head.indexOf("\r\n\r\n");
        return head.startsWith("get ") && (end < 0 ? head : head.substring(0, end)).contains("\nupgrade: websocket");
    }
}
