package io.openhqm.server;

import io.openhqm.api.HqmException;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;

/**
 * A listening port held from startup until the HTTP server binds it, so a second process configured with the same
 * port (and so the same instance id) stops before it touches the queue. Port 0 holds nothing.
 */
final class PortReservation implements AutoCloseable {
    private final ServerSocketChannel channel;

    private PortReservation(ServerSocketChannel channel) {
        this.channel = channel;
    }

    static PortReservation take(String host, int port, String key) {
        if (port == 0) {
            return new PortReservation(null);
        }
        ServerSocketChannel channel = null;
        try {
            channel = ServerSocketChannel.open();
            channel.bind(new InetSocketAddress(host, port));
            return new PortReservation(channel);
        } catch (BindException e) {
            closeQuietly(channel);
            throw HqmException.config(key + ": port " + port + " on " + host
                    + " is in use (is another hqm-server running with this port?); stop it or choose another port.");
        } catch (IOException e) {
            closeQuietly(channel);
            throw HqmException.config(key + ": cannot listen on " + host + ":" + port + " ("
                    + e.getMessage() + ").");
        }
    }

    @Override
    public void close() {
        closeQuietly(channel);
    }

    private static void closeQuietly(ServerSocketChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // nothing was accepted on it
            }
        }
    }
}
