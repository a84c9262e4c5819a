package io.wsshub.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.logging.Level;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The browser client in Debian's headless Chromium (WebDriver), against the test server. A failing test leaves
 * a screenshot of every browser it used under target/screenshots/.
 */
@ExtendWith({ArquillianExtension.class, BrowserIT.Screenshots.class})
class BrowserIT {

    static final List<WebDriver> OPEN = new ArrayList<>();
    private static final Duration WAIT = Duration.ofSeconds(20);

    /** Saves screenshots when a test fails, before the browsers are closed. */
    static final class Screenshots implements TestWatcher {
        @Override
        public void testFailed(ExtensionContext context, Throwable cause) {
            int i = 0;
            for (WebDriver d : OPEN) {
                try {
                    Path dir = Files.createDirectories(Path.of("target", "screenshots"));
                    Path png = ((TakesScreenshot) d).getScreenshotAs(OutputType.FILE).toPath();
                    Files.copy(png, dir.resolve(context.getDisplayName().replaceAll("\\W", "") + "-" + (i++) + ".png"),
                            StandardCopyOption.REPLACE_EXISTING);
                } catch (Exception e) {
                    // the browser may be gone
                }
            }
            quitAll();
        }

        @Override
        public void testSuccessful(ExtensionContext context) {
            quitAll();
        }
    }

    static void quitAll() {
        for (WebDriver d : OPEN) {
            try {
                d.quit();
            } catch (Exception e) {
                // already gone
            }
        }
        OPEN.clear();
    }

    @AfterEach
    void noLeftovers(TestInfo info) {
        // the watcher has quit the browsers (after the screenshots)
    }

    static WebDriver browser() throws Exception {
        for (String tool : new String[] {System.getProperty("it.chromium", "/usr/bin/chromium"),
                System.getProperty("it.chromedriver", "/usr/bin/chromedriver")}) {
            if (!Files.isExecutable(Path.of(tool))) {
                throw new AssertionError(tool + " is not installed: apt-get install chromium chromium-driver (or ./test)");
            }
        }
        ChromeOptions o = new ChromeOptions();
        o.setBinary(System.getProperty("it.chromium", "/usr/bin/chromium"));
        o.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=1200,800", "--user-data-dir=" + Files.createTempDirectory("chromium"));
        o.setAcceptInsecureCerts(true); // the self-signed dev certificate (the TLS tests check the real trust)
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        o.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(Path.of(System.getProperty("it.chromedriver", "/usr/bin/chromedriver")).toFile())
                .build();
        WebDriver d = new ChromeDriver(service, o);
        OPEN.add(d);
        return d;
    }

    static WebDriverWait waiting(WebDriver d) {
        return new WebDriverWait(d, WAIT);
    }

    /** Opens the chat page (redirected to the login page first), signs in and waits for the socket. */
    private static WebDriver signedIn(String user, String room) throws Exception {
        WebDriver d = signedInAt(user, "/index.html?room=" + room);
        awaitStatus(d, "connected");
        return d;
    }

    /** Opens {@code page}: the login page comes first and, once signed in, sends the browser back to it. */
    static WebDriver signedInAt(String user, String page) throws Exception {
        return signedInAt(browser(), user, Wss.https(page).toString(), page);
    }

    static WebDriver signedInAt(WebDriver d, String user, String url, String page) {
        d.get(url);
        waiting(d).until(x -> x.getCurrentUrl().contains("/login.html"));
        d.findElement(By.id("user")).sendKeys(user);
        d.findElement(By.id("password")).sendKeys(Wss.PASSWORD, Keys.ENTER);
        waiting(d).until(x -> x.getCurrentUrl().endsWith(page));
        return d;
    }

    static void awaitStatus(WebDriver d, String state) {
        waiting(d).until(x -> state.equals(x.findElement(By.id("status")).getAttribute("data-state")));
    }

    private static void say(WebDriver d, String text) {
        WebElement box = d.findElement(By.id("text"));
        box.sendKeys(text, Keys.ENTER);
    }

    /** The confirmed messages on screen (text of each), in order. */
    private static List<String> confirmed(WebDriver d) {
        return d.findElements(By.cssSelector("#messages li.message:not(.pending) .text")).stream()
                .map(WebElement::getText).toList();
    }

    private static void awaitMessage(WebDriver d, String text) {
        waiting(d).until(x -> confirmed(x).contains(text));
    }

    private static List<String> members(WebDriver d) {
        return d.findElements(By.cssSelector("#members li .name")).stream().map(WebElement::getText).toList();
    }

    private static String room() {
        return "web-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    void twoBrowsersChatBothWaysSeePresenceAndSignOut() throws Exception {
        String room = room();
        WebDriver alice = signedIn("alice", room);
        WebDriver bob = signedIn("bob", room);
        waiting(alice).until(x -> members(x).equals(List.of("alice", "bob")));

        say(alice, "hello bob");
        awaitMessage(bob, "hello bob");
        awaitMessage(alice, "hello bob"); // confirmed by the server's echo
        say(bob, "hi alice");
        awaitMessage(alice, "hi alice");
        assertTrue(alice.findElements(By.cssSelector("#messages li.pending")).isEmpty(), "nothing left pending");

        bob.findElement(By.id("logout")).click();
        waiting(bob).until(x -> x.getCurrentUrl().contains("/login.html"));
        waiting(alice).until(x -> members(x).equals(List.of("alice")));

        for (WebDriver d : List.of(alice)) {
            List<LogEntry> severe = d.manage().logs().get(LogType.BROWSER).getAll().stream()
                    .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue()).toList();
            assertEquals(List.of(), severe, "console errors");
        }
    }

    @Test
    void anHtmlPayloadIsShownAsText() throws Exception {
        String room = room();
        WebDriver alice = signedIn("alice", room);
        WebDriver bob = signedIn("bob", room);
        String payload = "<img src=x onerror=\"document.title='pwned'\"><b>bold</b>";
        say(alice, payload);
        awaitMessage(bob, payload);
        assertTrue(bob.findElements(By.cssSelector("#messages img, #messages b")).isEmpty(), "no markup was created");
        assertTrue(!bob.getTitle().contains("pwned"));
    }

    @Test
    void aWrongPasswordShowsAnError() throws Exception {
        WebDriver d = browser();
        d.get(Wss.https("/").toString());
        waiting(d).until(x -> x.getCurrentUrl().contains("/login.html"));
        d.findElement(By.id("user")).sendKeys("alice");
        d.findElement(By.id("password")).sendKeys("wrong", Keys.ENTER);
        WebElement error = waiting(d).until(x -> x.findElement(By.id("login-error")));
        assertTrue(error.isDisplayed());
        assertTrue(error.getText().contains("Wrong user name or password"));
    }

    @Test
    void afterTheServerDropsTheSocketsNothingIsLostOrDuplicated() throws Exception {
        String room = room();
        WebDriver alice = signedIn("alice", room);
        WebDriver bob = signedIn("bob", room);
        say(alice, "before");
        awaitMessage(bob, "before");

        // The restart can take half a second and the first retry comes after 250-500 ms, so the "reconnecting"
        // status may be on screen for less than a poll of the wait: record it as it happens instead.
        for (WebDriver d : List.of(alice, bob)) {
            ((JavascriptExecutor) d).executeScript("window.wentDown = false;"
                    + "const s = document.getElementById('status');"
                    + "new MutationObserver(() => { if (s.dataset.state !== 'connected') window.wentDown = true; })"
                    + ".observe(s, {attributes: true, childList: true, subtree: true, characterData: true});");
        }
        Wss.restartApplication(); // the application restarts: every socket is closed
        for (WebDriver d : List.of(alice, bob)) {
            waiting(d).until(x -> Boolean.TRUE.equals(((JavascriptExecutor) x).executeScript("return window.wentDown")));
        }
        say(bob, "sent while down");         // pending in bob's page until the socket is back
        say(alice, "alice while down");      // unacknowledged while the socket is down
        // Shown as pending until the server's echo. (The application may already be back and the page reconnected
        // by now — its restart takes a moment only — and then the echo can confirm it at once: both are right.)
        assertTrue(alice.findElements(By.cssSelector("#messages li.pending")).size() == 1
                || confirmed(alice).contains("alice while down"), "the send is shown, pending or confirmed");

        awaitStatus(alice, "connected");
        awaitStatus(bob, "connected");
        awaitMessage(alice, "sent while down");
        awaitMessage(bob, "alice while down");
        waiting(alice).until(x -> confirmed(x).contains("alice while down"));
        for (WebDriver d : List.of(alice, bob)) {
            List<String> shown = confirmed(d);
            assertEquals(1, shown.stream().filter("sent while down"::equals).count(), shown.toString());
            assertEquals(1, shown.stream().filter("alice while down"::equals).count(), shown.toString());
            assertTrue(d.findElements(By.cssSelector("#messages li.pending")).isEmpty());
        }
        // the restart lost the in-memory history: the page said it reloaded
        assertTrue(((JavascriptExecutor) alice).executeScript("return document.getElementById('messages').textContent")
                .toString().contains("history reloaded"));
    }

    @Test
    void aSendTheServerRefusesIsShownAsFailedWithItsReasonAndIsNotResent() throws Exception {
        String room = room();
        WebDriver alice = signedIn("alice", room);
        // 2001 characters: the input's maxlength stops typing, not a value set by a script
        ((JavascriptExecutor) alice).executeScript("document.getElementById('text').value = 'x'.repeat(2001);"
                + "document.getElementById('compose').requestSubmit();");
        WebElement failed = waiting(alice).until(x -> x.findElement(By.cssSelector("#messages li.failed")));
        assertTrue(failed.findElement(By.className("meta")).getText().contains("invalid_text"), failed.getText());
        say(alice, "after the refusal");
        awaitMessage(alice, "after the refusal");
        assertEquals(List.of("after the refusal"), confirmed(alice), "the refused send was never stored");
        assertEquals(1, alice.findElements(By.cssSelector("#messages li.failed")).size(), "it stays failed");
    }

    @Test
    void aRoomNameInTheUrlIsCheckedBeforeItIsUsed() throws Exception {
        WebDriver d = signedInAt("carol", "/index.html?room=%22%5D%3Cb%3EBad");
        awaitStatus(d, "connected");
        assertEquals("#lobby", d.findElement(By.id("room-title")).getText());
        WebElement error = waiting(d).until(x -> x.findElement(By.cssSelector("#messages li.error")));
        assertTrue(error.getText().contains("is not a room name"), error.getText());
        assertTrue(d.findElements(By.cssSelector("#messages b")).isEmpty());
    }

    @Test
    void otherRoomsCountUnreadMessagesAndLeavingARoomUnsubscribesIt() throws Exception {
        String first = room();
        String second = room();
        WebDriver alice = signedIn("alice", first);
        WebDriver bob = signedIn("bob", first);
        waiting(alice).until(x -> members(x).equals(List.of("alice", "bob")));
        alice.findElement(By.id("room")).clear();
        alice.findElement(By.id("room")).sendKeys(second, Keys.ENTER);
        waiting(alice).until(x -> x.findElement(By.id("room-title")).getText().equals("#" + second));
        awaitStatus(alice, "connected");
        say(bob, "one");
        say(bob, "two");
        awaitMessage(bob, "two");
        WebElement firstButton = alice.findElement(By.cssSelector("#rooms button[data-room='" + first + "']"));
        waiting(alice).until(x -> "2".equals(firstButton.findElement(By.className("unread")).getText()));
        firstButton.click();
        waiting(alice).until(x -> confirmed(x).equals(List.of("one", "two")));
        waiting(alice).until(x -> firstButton.findElement(By.className("unread")).getText().isEmpty());

        alice.findElement(By.id("leave")).click(); // leaves the room on screen: the first
        waiting(bob).until(x -> members(x).equals(List.of("bob")));
        assertTrue(alice.findElements(By.cssSelector("#rooms button[data-room='" + first + "']")).isEmpty());
        assertEquals("#" + second, alice.findElement(By.id("room-title")).getText());
    }

    /** Counts the page's WebSockets: installed before any script of the page runs. */
    private static void countSockets(WebDriver d) {
        ((org.openqa.selenium.chrome.ChromeDriver) d).executeCdpCommand("Page.addScriptToEvaluateOnNewDocument",
                java.util.Map.of("source", "(() => { const W = window.WebSocket; window.__sockets = [];"
                        + "const Counted = function (...a) { const s = new W(...a); window.__sockets.push(s);"
                        + "s.addEventListener('open', () => { s.__opened = true; }); return s; };"
                        + "Counted.prototype = W.prototype;"
                        + "Object.assign(Counted, {CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3});"
                        + "window.WebSocket = Counted; })();"));
    }

    /**
     * The page's sockets that are open now ({@code openOnly}), or that ever opened: attempts that never connected
     * (made while the network was down) are not sockets a channel got.
     */
    private static long sockets(WebDriver d, boolean openOnly) {
        return (Long) ((JavascriptExecutor) d).executeScript(openOnly
                ? "return window.__sockets.filter((s) => s.readyState === 1).length"
                : "return window.__sockets.filter((s) => s.__opened === true).length");
    }

    private static void post(String channel, String text) throws Exception {
        var r = Wss.http().send(java.net.http.HttpRequest.newBuilder(Wss.https("/api/channels/"
                        + java.net.URLEncoder.encode(channel, java.nio.charset.StandardCharsets.UTF_8) + "/messages"))
                .header("Authorization", Wss.basic("feed", Wss.PASSWORD)).header("Content-Type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(jakarta.json.Json.createObjectBuilder()
                        .add("text", text).add("clientId", UUID.randomUUID().toString()).build().toString()))
                .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(201, r.statusCode(), r.body());
    }

    private static void open(WebDriver d, String css) {
        d.findElement(By.cssSelector(css)).click();
    }

    private static List<String> notifications(WebDriver d) {
        return d.findElements(By.cssSelector("#notifications li .text")).stream().map(WebElement::getText).toList();
    }

    @Test
    void oneSocketCarriesRoomsADmAndNotificationsAndAKilledConnectionLosesAndDuplicatesNothing() throws Exception {
        String first = room();
        String second = room();
        Wss.Client bob = Wss.connect("/ws/chat/" + first, "bob"); // in the member list, for the DM button
        try (TcpProxy proxy = new TcpProxy(Integer.getInteger("it.proxy.port"), Wss.port())) {
            WebDriver alice = browser();
            countSockets(alice);
            String page = "/index.html?room=" + first;
            signedInAt(alice, "alice", "https://localhost:" + proxy.port() + page, page);
            awaitStatus(alice, "connected");
            alice.findElement(By.id("room")).clear();
            alice.findElement(By.id("room")).sendKeys(second, Keys.ENTER);
            waiting(alice).until(x -> x.findElement(By.id("room-title")).getText().equals("#" + second));
            open(alice, "#rooms button[data-room='" + first + "']");
            waiting(alice).until(x -> members(x).equals(List.of("alice", "bob")));
            open(alice, "#members button[aria-label='Message bob']"); // a direct message, from the member list
            waiting(alice).until(x -> x.findElement(By.id("room-title")).getText().equals("@bob"));
            post("dm:alice,bob", "dm before");
            awaitMessage(alice, "dm before");
            post("user:alice", "note before");
            waiting(alice).until(x -> notifications(x).contains("note before"));
            assertEquals(1, sockets(alice, false), "two rooms, a DM and the notifications on one socket");

            proxy.refuse(true);
            proxy.kill(); // the TCP connection dies, as on a network failure
            waiting(alice).until(x -> !"connected".equals(x.findElement(By.id("status")).getAttribute("data-state")));
            post("chat:" + first, "first while down");
            post("chat:" + second, "second while down");
            post("dm:alice,bob", "dm while down");
            post("user:alice", "note while down");
            proxy.refuse(false);
            awaitStatus(alice, "connected");

            awaitMessage(alice, "dm while down");
            assertEquals(List.of("dm before", "dm while down"), confirmed(alice));
            waiting(alice).until(x -> notifications(x).contains("note while down"));
            assertEquals(List.of("note while down", "note before"), notifications(alice), "newest first, once each");
            WebElement firstButton = alice.findElement(By.cssSelector("#rooms button[data-room='" + first + "']"));
            waiting(alice).until(x -> "1".equals(firstButton.findElement(By.className("unread")).getText()));
            firstButton.click();
            waiting(alice).until(x -> confirmed(x).equals(List.of("first while down")));
            open(alice, "#rooms button[data-room='" + second + "']");
            waiting(alice).until(x -> confirmed(x).equals(List.of("second while down")));
            assertEquals(1, sockets(alice, true), "one socket open after the reconnect");
            assertEquals(2, sockets(alice, false), "the dead one and its replacement: no socket per channel");
            assertTrue(((JavascriptExecutor) alice).executeScript("return document.getElementById('messages').textContent")
                    .toString().indexOf("history reloaded") < 0, "every channel was recovered, none reloaded");
        } finally {
            bob.close();
        }
    }

    @Test
    void aTeamChannelOpensForItsRoleAndIsRefusedToOthersOnTheSameSocket() throws Exception {
        String team = "staff:" + room();
        WebDriver alice = signedIn("alice", room());
        alice.findElement(By.id("room")).clear();
        alice.findElement(By.id("room")).sendKeys(team, Keys.ENTER);
        WebElement error = waiting(alice).until(x -> x.findElement(By.cssSelector("#messages li.error")));
        assertTrue(error.getText().contains("forbidden"), error.getText());
        assertTrue(alice.findElements(By.cssSelector("#rooms button[data-channel='" + team + "']")).isEmpty(),
                "a refused channel leaves no entry");
        assertEquals("connected", alice.findElement(By.id("status")).getAttribute("data-state"),
                "the socket and its other channels stay up");

        WebDriver carol = signedIn("carol", room()); // carol is in the dev group staff
        carol.findElement(By.id("room")).clear();
        carol.findElement(By.id("room")).sendKeys(team, Keys.ENTER);
        waiting(carol).until(x -> x.findElement(By.id("room-title")).getText().equals("#" + team));
        say(carol, "staff only");
        awaitMessage(carol, "staff only");
    }
}
