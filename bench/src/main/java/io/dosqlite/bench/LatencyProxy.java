package io.dosqlite.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A TCP proxy on 127.0.0.1 that delays every chunk by RTT/2 in each direction, preserving order,
 * and counts wire bytes and dependent round trips ("turns": client data that follows server data,
 * or the first data of a connection). A new connection's first chunk waits one more RTT, standing
 * in for the TCP handshake the loopback connect does not pay. The RTT can be changed between runs.
 */
final class LatencyProxy implements AutoCloseable {

    private final ServerSocket server;
    private final String targetHost;
    private final int targetPort;
    private volatile long halfRttNanos;
    private final AtomicLong bytesUp = new AtomicLong();
    private final AtomicLong bytesDown = new AtomicLong();
    private final AtomicLong turns = new AtomicLong();
    private final AtomicLong connections = new AtomicLong();
    /** true after server-to-client data; the next client data starts a new round trip. */
    private volatile boolean serverSpokeLast = true;
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    LatencyProxy(String targetHost, int targetPort) throws IOException {
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(this::acceptLoop, "proxy-accept-" + targetPort);
        t.setDaemon(true);
        t.start();
    }

    int port() {
        return server.getLocalPort();
    }

    void setRttMillis(int rttMs) {
        halfRttNanos = rttMs * 1_000_000L / 2;
    }

    /** {bytesUp, bytesDown, turns, connections} so far. */
    long[] counters() {
        return new long[] {bytesUp.get(), bytesDown.get(), turns.get(), connections.get()};
    }

    /** Closes every open connection (used to make a client's next request open a new one). */
    void dropConnections() {
        for (Socket s : open) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing
            }
        }
        open.clear();
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket client = server.accept();
                client.setTcpNoDelay(true);
                Socket upstream = new Socket();
                upstream.setTcpNoDelay(true);
                upstream.connect(new InetSocketAddress(targetHost, targetPort), 10_000);
                open.add(client);
                open.add(upstream);
                connections.incrementAndGet();
                java.util.concurrent.atomic.AtomicInteger live = new java.util.concurrent.atomic.AtomicInteger(2);
                pump(client, upstream, true, live);
                pump(upstream, client, false, live);
            } catch (IOException e) {
                if (!closed) {
                    System.err.println("proxy: " + e);
                }
            }
        }
    }

    private record Chunk(long due, byte[] data) {
    }

    private static final Chunk EOF = new Chunk(0, null);

    private void pump(Socket from, Socket to, boolean up, java.util.concurrent.atomic.AtomicInteger live) {
        LinkedBlockingQueue<Chunk> q = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            boolean first = true;
            byte[] buf = new byte[64 * 1024];
            try {
                InputStream in = from.getInputStream();
                int n;
                while ((n = in.read(buf)) > 0) {
                    long now = System.nanoTime();
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
                    long delay = halfRttNanos + (first && up ? 2 * halfRttNanos : 0);
                    first = false;
                    q.add(new Chunk(now + delay, Arrays.copyOf(buf, n)));
                }
            } catch (IOException ignored) {
                // connection closed
            }
            q.add(EOF);
        }, "proxy-" + (up ? "up" : "down") + "-read");
        Thread writer = new Thread(() -> {
            try {
                OutputStream out = to.getOutputStream();
                while (true) {
                    Chunk c = q.take();
                    if (c == EOF) {
                        break;
                    }
                    long wait;
                    while ((wait = c.due() - System.nanoTime()) > 0) {
                        LockSupport.parkNanos(wait);
                    }
                    out.write(c.data());
                    out.flush();
                }
                to.shutdownOutput();
            } catch (IOException | InterruptedException ignored) {
                // connection closed
            } finally {
                if (live.decrementAndGet() == 0) {
                    try {
                        from.close();
                        to.close();
                    } catch (IOException ignored) {
                        // closing
                    }
                    open.remove(from);
                    open.remove(to);
                }
            }
        }, "proxy-" + (up ? "up" : "down") + "-write");
        reader.setDaemon(true);
        writer.setDaemon(true);
        reader.start();
        writer.start();
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // closing
        }
        dropConnections();
    }
}
