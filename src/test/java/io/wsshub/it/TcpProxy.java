package io.wsshub.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP proxy on loopback in front of the test server, so a test can cut a client's connections for real:
 * {@link #kill} resets every connection through it (the client sees its socket die, as on a network failure),
 * {@link #refuse} resets new ones at once (the server looks unreachable). TLS passes through untouched.
 */
final class TcpProxy implements AutoCloseable {

    private final ServerSocket server;
    private final int target;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private volatile boolean refusing;

    TcpProxy(int port, int target) throws IOException {
        this.server = new ServerSocket(port, 200, InetAddress.getLoopbackAddress());
        this.target = target;
        Thread t = new Thread(this::accept, "tcp-proxy-" + port);
        t.setDaemon(true);
        t.start();
    }

    int port() {
        return server.getLocalPort();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                if (refusing) {
                    reset(client);
                    continue;
                }
                Socket upstream;
                try {
                    upstream = new Socket(InetAddress.getLoopbackAddress(), target);
                } catch (IOException e) {
                    reset(client); // the server is not there: the client sees its connection fail
                    continue;
                }
                open.add(client);
                open.add(upstream);
                pipe(client, upstream);
                pipe(upstream, client);
            } catch (IOException e) {
                // closed, or one connection failed: the others go on
            }
        }
    }

    private void pipe(Socket from, Socket to) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[16384];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // one side went away
            } finally {
                close(from);
                close(to);
            }
        }, "tcp-proxy-pipe");
        t.setDaemon(true);
        t.start();
    }

    /** Resets every connection through the proxy now (RST, not a close handshake). */
    void kill() {
        for (Socket s : Set.copyOf(open)) {
            reset(s);
        }
    }

    /** While on, new connections are reset at once. */
    void refuse(boolean on) {
        refusing = on;
    }

    private void reset(Socket s) {
        try {
            s.setSoLinger(true, 0); // close() then sends RST
        } catch (IOException e) {
            // closed already
        }
        close(s);
    }

    private void close(Socket s) {
        open.remove(s);
        try {
            s.close();
        } catch (IOException e) {
            // closed already
        }
    }

    @Override
    public void close() {
        refusing = true;
        try {
            server.close();
        } catch (IOException e) {
            // closed already
        }
        kill();
    }
}
