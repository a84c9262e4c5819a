package io.wsshub.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The client library (client/wss-hub.js) as users run it: its own Node tests ({@code node --test client/test/})
 * against this real server over wss://, trusting exactly the server's certificate, with {@code ws} as pinned in
 * client/package-lock.json.
 */
@ExtendWith(ArquillianExtension.class)
class ClientLibraryIT {

    private static final Path CLIENT = NodeTool.CLIENT;
    private static final Path WORK = NodeTool.WORK;

    @Test
    void theServedLibraryIsThePackagesFileAndNeedsNoLogin() throws Exception {
        HttpResponse<byte[]> r = Wss.http().send(HttpRequest.newBuilder(Wss.https("/js/wss-hub.js")).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").contains("javascript"),
                r.headers().toString());
        assertArrayEquals(Files.readAllBytes(CLIENT.resolve("wss-hub.js")), r.body());
    }

    @Test
    void theLibraryPassesItsNodeTestsAgainstThisServer() throws Exception {
        NodeTool.ensureClientDependencies();
        Path ca = NodeTool.serverCaPem();
        Wss.ssl(); // waits until the server's TLS port answers
        // Node 18 (Debian's) and newer: each test closes what it opened, so the run ends without --test-force-exit
        ProcessBuilder node = new ProcessBuilder("node", "--test", "--test-reporter=spec", "test/")
                .directory(CLIENT.toFile());
        node.environment().put("WSSHUB_PORT", String.valueOf(Wss.port()));
        node.environment().put("WSSHUB_CA", ca.toAbsolutePath().toString());
        node.environment().put("WSSHUB_PASSWORD", Wss.PASSWORD);
        Path log = WORK.resolve("node-test.log");
        int exit = run(node, log, 300);
        String out = Files.readString(log);
        System.out.println(out);
        assertEquals(0, exit, "node --test failed:\n" + out);
        // a skipped or cancelled library test is a defect, not a pass
        for (String zero : new String[] {"fail 0", "cancelled 0", "skipped 0", "todo 0"}) {
            assertTrue(out.contains(zero), "expected \"" + zero + "\" in:\n" + out);
        }
        assertTrue(out.matches("(?s).*pass [1-9][0-9]*.*"), out);
    }

    private static int run(ProcessBuilder pb, Path log, int seconds) throws Exception {
        pb.redirectErrorStream(true).redirectOutput(log.toFile());
        Process p = pb.start();
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(pb.command() + " did not finish in " + seconds + " s:\n" + Files.readString(log));
        }
        return p.exitValue();
    }
}
