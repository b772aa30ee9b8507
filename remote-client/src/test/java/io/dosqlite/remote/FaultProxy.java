package io.dosqlite.remote;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A real TCP proxy in front of the real page server that can inject one fault into the next
 * exchange: swallow a request, drop a response after the server handled the request, flip a byte
 * of a response body, or stall a response.
 */
final class FaultProxy implements AutoCloseable {

    enum Fault {
        /** Close the client connection on the next request bytes, forwarding nothing. */
        SWALLOW_REQUEST,
        /** Forward the next request; when the server answers, close the client connection instead. */
        DROP_RESPONSE,
        /** Flip one byte of the next response body (the 21st byte after the headers). */
        FLIP_BODY_BYTE,
        /** Hold the next response forever (until the client gives up). */
        STALL_RESPONSE,
        /** Answer the next request with 503 without forwarding it. */
        REFUSE_503,
        /** Forward the next request, but answer 503 instead of the server's answer. */
        REPLACE_WITH_503
    }

    private final ServerSocket server;
    private final InetSocketAddress upstream;
    private final AtomicReference<Fault> armed = new AtomicReference<>();
    private final AtomicInteger applied = new AtomicInteger();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    FaultProxy(String upstreamUrl) throws IOException {
        okhttp3.HttpUrl u = okhttp3.HttpUrl.get(upstreamUrl);
        this.upstream = new InetSocketAddress(u.host(), u.port());
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(this::acceptLoop, "fault-proxy-accept");
        t.setDaemon(true);
        t.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getLocalPort();
    }

    void arm(Fault f) {
        armed.set(f);
    }

    /** Closes every connection it carries, as a server or proxy dropping its keep-alive connections. */
    void dropAllConnections() {
        for (Socket s : sockets) {
            closeQuietly(s);
        }
        sockets.clear();
    }

    /** How many faults were injected so far. */
    int applied() {
        return applied.get();
    }

    private boolean take(Fault f) {
        if (armed.compareAndSet(f, null)) {
            applied.incrementAndGet();
            return true;
        }
        return false;
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket client = server.accept();
                Socket up = new Socket();
                up.connect(upstream, 2000);
                sockets.add(client);
                sockets.add(up);
                start(() -> pumpRequests(client, up));
                start(() -> pumpResponses(up, client));
            } catch (IOException e) {
                if (closed) {
                    return;
                }
            }
        }
    }

    private static void start(Runnable r) {
        Thread t = new Thread(r, "fault-proxy-pump");
        t.setDaemon(true);
        t.start();
    }

    private void pumpRequests(Socket client, Socket up) {
        byte[] buf = new byte[65536];
        try (InputStream in = client.getInputStream(); OutputStream out = up.getOutputStream()) {
            int n;
            while ((n = in.read(buf)) > 0) {
                if (take(Fault.SWALLOW_REQUEST)) {
                    closeQuietly(client);
                    closeQuietly(up);
                    return;
                }
                if (take(Fault.REFUSE_503)) {
                    send503(client);
                    closeQuietly(up);
                    return;
                }
                out.write(buf, 0, n);
                out.flush();
            }
        } catch (IOException ignored) {
            // connection closed
        } finally {
            closeQuietly(up);
        }
    }

    private void pumpResponses(Socket up, Socket client) {
        byte[] buf = new byte[65536];
        boolean flipping = false;
        int headerMatch = 0;
        long bodyPos = -1;
        try (InputStream in = up.getInputStream(); OutputStream out = client.getOutputStream()) {
            int n;
            while ((n = in.read(buf)) > 0) {
                if (take(Fault.DROP_RESPONSE)) {
                    closeQuietly(client);
                    closeQuietly(up);
                    return;
                }
                if (take(Fault.REPLACE_WITH_503)) {
                    send503(client);
                    closeQuietly(up);
                    return;
                }
                if (take(Fault.STALL_RESPONSE)) {
                    // the request pump closes 'up' when the client gives up (timeout or cancel)
                    while (!closed && !up.isClosed()) {
                        try {
                            Thread.sleep(20);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                    return;
                }
                if (!flipping && take(Fault.FLIP_BODY_BYTE)) {
                    flipping = true;
                    headerMatch = 0;
                    bodyPos = -1;
                }
                if (flipping) {
                    for (int i = 0; i < n; i++) {
                        if (bodyPos < 0) {
                            byte b = buf[i];
                            headerMatch = (b == "\r\n\r\n".charAt(headerMatch)) ? headerMatch + 1 : (b == '\r' ? 1 : 0);
                            if (headerMatch == 4) {
                                bodyPos = 0;
                            }
                        } else {
                            if (bodyPos == 20) {
                                buf[i] ^= 0x40;
                                flipping = false;
                                break;
                            }
                            bodyPos++;
                        }
                    }
                }
                out.write(buf, 0, n);
                out.flush();
            }
        } catch (IOException ignored) {
            // connection closed
        } finally {
            closeQuietly(client);
        }
    }

    private static void send503(Socket client) {
        byte[] body = "{\"error\":\"overloaded\",\"message\":\"injected by FaultProxy\"}".getBytes();
        String head = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: "
                + body.length + "\r\nConnection: close\r\n\r\n";
        try {
            OutputStream out = client.getOutputStream();
            out.write(head.getBytes());
            out.write(body);
            out.flush();
            client.shutdownOutput();
            Thread.sleep(50);
        } catch (IOException | InterruptedException ignored) {
            // client gone
        } finally {
            closeQuietly(client);
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // fine
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
        for (Socket s : sockets) {
            closeQuietly(s);
        }
    }
}
