package io.dosqlite.testsupport.proxy;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.IntSupplier;

/** HTTP/1.1 as {@link FaultProxy} speaks it: whole messages, bodies re-sent with a Content-Length. */
final class HttpWire {
    // Upgrade is hop-by-hop too (RFC 9110 7.8): this proxy re-sends whole messages and cannot carry a
    // WebSocket, so it is a proxy that strips Upgrade, and a client falls back (docs/protocol.md)
    private static final Set<String> HOP_BY_HOP = Set.of("host", "connection", "keep-alive", "content-length",
            "transfer-encoding", "proxy-connection", "upgrade");

    private HttpWire() {
    }

    /** One answer of the server, its body read whole. */
    record Response(String statusLine, List<String[]> headers, byte[] body) {
        String header(String name) {
            for (String[] h : headers) {
                if (h[0].equalsIgnoreCase(name)) {
                    return h[1];
                }
            }
            return null;
        }

        /** A 200 answer of page frames. */
        boolean isFrames() {
            String ct = header("Content-Type");
            return ct != null && ct.contains("octet-stream") && body.length >= 8 && statusLine.contains(" 200");
        }

        /** The X-Dosqlite-Page-Size header, or -1. */
        int pageSize() {
            String h = header("X-Dosqlite-Page-Size");
            try {
                return h == null ? -1 : Integer.parseInt(h.trim());
            } catch (NumberFormatException e) {
                return -1;
            }
        }

        Response withBody(byte[] b) {
            return new Response(statusLine, headers, b);
        }
    }

    /** Reads one request whole; null if the client sent none (closed, or not HTTP). Numbers it with {@code seq}. */
    static Req readRequest(InputStream in, IntSupplier seq) throws IOException {
        String requestLine = readLine(in);
        if (requestLine == null || requestLine.isEmpty()) {
            return null;
        }
        String[] parts = requestLine.split(" ");
        if (parts.length < 3) {
            return null;
        }
        Map<String, String> headers = new LinkedHashMap<>();
        for (String line; (line = readLine(in)) != null && !line.isEmpty(); ) {
            int c = line.indexOf(':');
            if (c > 0) {
                headers.put(line.substring(0, c).trim().toLowerCase(Locale.ROOT), line.substring(c + 1).trim());
            }
        }
        byte[] body = readBody(in, headers.get("content-length"), headers.get("transfer-encoding"), false);
        return Req.of(seq.getAsInt(), parts[0], parts[1], headers, body);
    }

    /** Waits until the next request's first byte arrives; false if the client closed the connection instead. */
    static boolean awaitData(InputStream in) throws IOException {
        in.mark(1);
        if (in.read() < 0) {
            return false;
        }
        in.reset();
        return true;
    }

    /** Sends {@code req} on {@code up} (a fresh connection, closed by the server after answering) and reads the answer. */
    static Response exchange(Socket up, Req req, int upstreamPort) throws IOException {
        up.setSoTimeout(300_000);
        StringBuilder sb = new StringBuilder();
        sb.append(req.method()).append(' ').append(req.target()).append(" HTTP/1.1\r\n");
        for (Map.Entry<String, String> h : req.headers().entrySet()) {
            if (!HOP_BY_HOP.contains(h.getKey())) {
                sb.append(h.getKey()).append(": ").append(h.getValue()).append("\r\n");
            }
        }
        sb.append("host: 127.0.0.1:").append(upstreamPort).append("\r\n");
        sb.append("connection: close\r\n");
        String m = req.method();
        if (req.body().length > 0 || !(m.equals("GET") || m.equals("HEAD") || m.equals("DELETE"))) {
            sb.append("content-length: ").append(req.body().length).append("\r\n");
        }
        sb.append("\r\n");
        OutputStream o = up.getOutputStream();
        o.write(sb.toString().getBytes(StandardCharsets.ISO_8859_1));
        o.write(req.body());
        o.flush();
        InputStream i = up.getInputStream();
        String status = readLine(i);
        if (status == null) {
            throw new EOFException("upstream closed before answering");
        }
        List<String[]> hs = new ArrayList<>();
        String cl = null;
        String te = null;
        for (String line; (line = readLine(i)) != null && !line.isEmpty(); ) {
            int c = line.indexOf(':');
            if (c <= 0) {
                continue;
            }
            String k = line.substring(0, c).trim();
            String v = line.substring(c + 1).trim();
            if (k.equalsIgnoreCase("content-length")) {
                cl = v;
            } else if (k.equalsIgnoreCase("transfer-encoding")) {
                te = v;
            } else if (!k.equalsIgnoreCase("connection") && !k.equalsIgnoreCase("keep-alive")) {
                hs.add(new String[] {k, v});
            }
        }
        boolean noBody = m.equals("HEAD") || status.contains(" 204 ") || status.contains(" 304 ");
        return new Response(status, hs, noBody ? new byte[0] : readBody(i, cl, te, true));
    }

    /** Status line and headers of {@code up} with the given Content-Length; {@code close} adds Connection: close. */
    static void writeHead(OutputStream out, Response up, long contentLength, boolean close) throws IOException {
        StringBuilder sb = new StringBuilder(up.statusLine()).append("\r\n");
        for (String[] h : up.headers()) {
            sb.append(h[0]).append(": ").append(h[1]).append("\r\n");
        }
        sb.append("Content-Length: ").append(contentLength).append("\r\n");
        if (close) {
            sb.append("Connection: close\r\n");
        }
        out.write(sb.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
    }

    static void writeAnswer(OutputStream out, Response up, boolean close) throws IOException {
        writeHead(out, up, up.body().length, close);
        out.write(up.body());
        out.flush();
    }

    /** An injected 500 (internal) or 503 (overloaded) answer, then the connection closes. */
    static void writeError(OutputStream out, int status) throws IOException {
        String error = status == 503 ? "overloaded" : "internal";
        String reason = status == 503 ? "Service Unavailable" : "Internal Server Error";
        byte[] b = ("{\"error\":\"" + error + "\",\"message\":\"injected by the fault proxy\"}").getBytes(StandardCharsets.UTF_8);
        out.write(("HTTP/1.1 " + status + " " + reason + "\r\nContent-Type: application/json\r\nContent-Length: " + b.length
                + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.write(b);
        out.flush();
    }

    /** Closes with a TCP reset. */
    static void reset(Socket s) {
        try {
            s.setSoLinger(true, 0);
            s.close();
        } catch (IOException ignored) {
            // gone
        }
    }

    /** Keeps the connection silent for {@code millis}, or until the client hangs up. */
    static void holdSilent(Socket client, InputStream in, long millis) {
        long deadline = System.nanoTime() + millis * 1_000_000L;
        try {
            for (long left; (left = (deadline - System.nanoTime()) / 1_000_000L) > 0; ) {
                client.setSoTimeout((int) Math.min(left, Integer.MAX_VALUE));
                if (in.read() < 0) {
                    return; // the client gave up
                }
            }
        } catch (IOException e) {
            // the time is up (SocketTimeoutException), or the proxy closed the connection
        }
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream(128);
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                break;
            }
            if (c != '\r') {
                b.write(c);
            }
            if (b.size() > 65536) {
                throw new IOException("header line too long");
            }
        }
        if (c == -1 && b.size() == 0) {
            return null;
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    private static byte[] readBody(InputStream in, String contentLength, String transferEncoding, boolean toEof) throws IOException {
        if (transferEncoding != null && transferEncoding.toLowerCase(Locale.ROOT).contains("chunked")) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            while (true) {
                String sizeLine = readLine(in);
                if (sizeLine == null) {
                    throw new EOFException("chunked body ended early");
                }
                int semi = sizeLine.indexOf(';');
                int size = Integer.parseInt((semi < 0 ? sizeLine : sizeLine.substring(0, semi)).trim(), 16);
                if (size == 0) {
                    for (String t; (t = readLine(in)) != null && !t.isEmpty(); ) {
                        // trailers
                    }
                    return b.toByteArray();
                }
                b.write(in.readNBytes(size));
                readLine(in);
            }
        }
        if (contentLength != null) {
            int n = Integer.parseInt(contentLength.trim());
            byte[] b = in.readNBytes(n);
            if (b.length != n) {
                throw new EOFException("body ended after " + b.length + " of " + n + " bytes");
            }
            return b;
        }
        return toEof ? in.readAllBytes() : new byte[0];
    }
}
