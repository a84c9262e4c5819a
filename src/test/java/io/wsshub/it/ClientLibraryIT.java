package io.wsshub.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
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
        int exit = NodeTool.run(node, log, 300);
        String out = Files.readString(log);
        System.out.println(out);
        assertEquals(0, exit, "node --test failed:\n" + out);
        // the reporter's summary lines ("ℹ fail 0"): a skipped or cancelled library test is a defect, not a pass
        for (String zero : new String[] {"fail", "cancelled", "skipped", "todo"}) {
            assertTrue(java.util.regex.Pattern.compile("(?m)^\\S+ " + zero + " 0$").matcher(out).find(),
                    "expected \"" + zero + " 0\" in the summary:\n" + out);
        }
        assertTrue(java.util.regex.Pattern.compile("(?m)^\\S+ pass [1-9][0-9]*$").matcher(out).find(), out);
    }
}
