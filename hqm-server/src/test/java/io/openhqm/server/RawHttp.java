package io.openhqm.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;

/** Bytes over a plain socket, for requests no HTTP client would send. */
final class RawHttp {
    private final int port;

    RawHttp(int port) {
        this.port = port;
    }

    /**
     * What came back: the status code (-1 if the server closed without answering, 0 if it stayed silent until
     * the timeout) and the whole response text.
     */
    record Answer(int status, String text) {
        boolean hasHeader(String name, String value) {
            String lower = text.toLowerCase(Locale.ROOT);
            return lower.contains("\r\n" + name.toLowerCase(Locale.ROOT) + ": " + value.toLowerCase(Locale.ROOT));
        }

        String body() {
            int at = text.indexOf("\r\n\r\n");
            return at < 0 ? "" : text.substring(at + 4);
        }
    }

    /** Sends {@code request}, half-closes nothing, and reads until the server closes or {@code timeout}. */
    Answer exchange(byte[] request, Duration timeout) throws IOException {
        try (Socket socket = open(timeout)) {
            socket.getOutputStream().write(request);
            socket.getOutputStream().flush();
            return read(socket);
        }
    }

    Answer exchange(String request, Duration timeout) throws IOException {
        return exchange(request.getBytes(StandardCharsets.UTF_8), timeout);
    }

    Socket open(Duration timeout) throws IOException {
        Socket socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout((int) timeout.toMillis());
        return socket;
    }

    /** Reads one response (by Content-Length) or until the server closes or the socket times out. */
    static Answer read(Socket socket) throws IOException {
        InputStream in = socket.getInputStream();
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        try {
            int n;
            while ((n = in.read(buffer)) > 0) {
                got.write(buffer, 0, n);
                if (complete(got.toString(StandardCharsets.ISO_8859_1))) {
                    break;
                }
            }
        } catch (SocketTimeoutException silent) {
            if (got.size() == 0) {
                return new Answer(0, "");
            }
        } catch (IOException reset) {
            if (got.size() == 0) {
                return new Answer(-1, "");
            }
        }
        String text = got.toString(StandardCharsets.UTF_8);
        if (!text.startsWith("HTTP/1.1 ") || text.length() < 12) {
            return new Answer(-1, text);
        }
        return new Answer(Integer.parseInt(text.substring(9, 12)), text);
    }

    private static boolean complete(String text) {
        int end = text.indexOf("\r\n\r\n");
        if (end < 0) {
            return false;
        }
        String head = text.substring(0, end).toLowerCase(Locale.ROOT);
        int at = head.indexOf("\r\ncontent-length: ");
        if (at < 0) {
            return false;
        }
        int eol = head.indexOf("\r\n", at + 2);
        long length = Long.parseLong(head.substring(at + 18, eol < 0 ? head.length() : eol).trim());
        return text.length() - end - 4 >= length;
    }
}
