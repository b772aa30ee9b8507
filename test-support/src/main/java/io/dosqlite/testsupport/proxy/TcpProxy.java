package io.dosqlite.testsupport.proxy;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;

/**
 * A TCP proxy on a free 127.0.0.1 port: each accepted connection is handed to {@link #serve} on a
 * daemon thread and closed when that returns. Every connection it carries (both sides) can be cut
 * at once with {@link #dropConnections()}; {@link #close()} also stops listening.
 *
 * <p>Two kinds: {@link LatencyProxy} moves bytes late and counts them, {@link FaultProxy} reads HTTP
 * requests and injects faults.
 */
public abstract class TcpProxy implements AutoCloseable {
    private final ServerSocket listener;
    private final String name;
    private final ExecutorService threads;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    protected TcpProxy(String name) throws IOException {
        this.name = name;
        this.listener = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
        this.threads = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts accepting; the last call of a subclass constructor, once its own fields are set. */
    protected final void listen() {
        Thread t = new Thread(this::acceptLoop, name + "-accept");
        t.setDaemon(true);
        t.start();
    }

    /** Serves one client connection; the connection is closed when this returns or throws. */
    protected abstract void serve(Socket client) throws IOException;

    public final int port() {
        return listener.getLocalPort();
    }

    /** {@code http://127.0.0.1:PORT}. */
    public String url() {
        return "http://127.0.0.1:" + port();
    }

    /** Closes every connection the proxy carries, as a server or middlebox dropping its keep-alive connections. */
    public final void dropConnections() {
        for (Socket s : open) {
            closeQuietly(s);
        }
    }

    /** A connection to the upstream server that {@link #dropConnections()} and {@link #close()} reach too. */
    protected final Socket connect(String host, int port, int timeoutMillis) throws IOException {
        Socket s = new Socket();
        open.add(s);
        try {
            s.setTcpNoDelay(true);
            s.connect(new InetSocketAddress(host, port), timeoutMillis);
            return s;
        } catch (IOException e) {
            release(s);
            throw e;
        }
    }

    /** Closes a socket from {@link #connect} and forgets it. */
    protected final void release(Socket s) {
        closeQuietly(s);
        open.remove(s);
    }

    /** Runs a task on one of the proxy's daemon threads (stopped by {@link #close()}). */
    protected final void spawn(Runnable task) {
        threads.execute(task);
    }

    private void acceptLoop() {
        while (!closed) {
            Socket s;
            try {
                s = listener.accept();
            } catch (IOException e) {
                continue; // closed: the loop ends
            }
            open.add(s);
            try {
                threads.execute(() -> {
                    try {
                        serve(s);
                    } catch (Throwable ignored) {
                        // the client sees the connection close
                    } finally {
                        release(s);
                    }
                });
            } catch (RejectedExecutionException e) {
                release(s);
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        closeQuietly(listener);
        dropConnections();
        threads.shutdownNow();
    }

    static void closeQuietly(Closeable c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // already gone
        }
    }
}
