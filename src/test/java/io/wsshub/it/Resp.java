package io.wsshub.it;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** A minimal RESP client for tests: one command on a fresh connection, the reply flattened. */
final class Resp {

    private Resp() {
    }

    static List<String> query(int port, String... args) throws IOException {
        return query(port, null, args);
    }

    /** @param password sent with AUTH first (its reply is checked and left out), or null */
    static List<String> query(int port, String password, String... args) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            BufferedInputStream in = new BufferedInputStream(s.getInputStream());
            if (password != null) {
                out.write(encode("AUTH", password));
                out.flush();
                List<String> ok = new ArrayList<>();
                read(in, ok);
                if (!List.of("OK").equals(ok)) {
                    throw new IOException("AUTH answered " + ok);
                }
            }
            out.write(encode(args));
            out.flush();
            List<String> reply = new ArrayList<>();
            read(in, reply);
            return reply;
        }
    }

    private static byte[] encode(String... args) {
        StringBuilder b = new StringBuilder("*").append(args.length).append("\r\n");
        for (String a : args) {
            byte[] bytes = a.getBytes(StandardCharsets.UTF_8);
            b.append('$').append(bytes.length).append("\r\n").append(a).append("\r\n");
        }
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void read(InputStream in, List<String> into) throws IOException {
        String line = line(in);
        char type = line.charAt(0);
        String rest = line.substring(1);
        switch (type) {
            case '+', ':' -> into.add(rest);
            case '-' -> into.add("ERR " + rest);
            case '$' -> {
                int n = Integer.parseInt(rest);
                if (n < 0) {
                    into.add(null);
                } else {
                    into.add(new String(in.readNBytes(n), StandardCharsets.UTF_8));
                    line(in);
                }
            }
            case '*' -> {
                int n = Integer.parseInt(rest);
                for (int i = 0; i < n; i++) {
                    read(in, into);
                }
            }
            default -> throw new IOException("unexpected reply " + line);
        }
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        int c;
        while ((c = in.read()) != '\n') {
            if (c == -1) {
                throw new IOException("connection closed");
            }
            if (c != '\r') {
                b.append((char) c);
            }
        }
        return b.toString();
    }
}
