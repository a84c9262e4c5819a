package io.wsshub.it;

import static io.wsshub.it.BrowserIT.awaitStatus;
import static io.wsshub.it.BrowserIT.signedInAt;
import static io.wsshub.it.BrowserIT.waiting;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wsshub.it.Wss.Client;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;

/** The market page in headless Chromium: subscribe, live quotes with a sign, errors, and a reconnect. */
@ExtendWith({ArquillianExtension.class, BrowserIT.Screenshots.class})
class MarketPageIT {

    private static WebDriver page(String user) throws Exception {
        WebDriver d = signedInAt(user, "/market.html");
        // start with no symbols (a first visit, with nothing stored, shows three of the feed's)
        ((JavascriptExecutor) d).executeScript("localStorage.setItem('wsshub.market.symbols', '[]')");
        d.navigate().refresh();
        awaitStatus(d, "connected");
        return d;
    }

    private static WebElement row(WebDriver d, String symbol) {
        return waiting(d).until(x -> x.findElement(By.cssSelector("#rows tr[data-symbol='" + symbol + "']")));
    }

    private static String text(WebElement row, String cell) {
        return row.findElement(By.className(cell)).getText();
    }

    private static void post(String symbol, String price) throws Exception {
        HttpResponse<String> r = Wss.http().send(HttpRequest.newBuilder(Wss.https("/api/quotes"))
                        .header("Authorization", Wss.basic("feed", Wss.PASSWORD))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(
                                "[{\"symbol\":\"" + symbol + "\",\"price\":\"" + price + "\"}]")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
    }

    private static void add(WebDriver d, String symbol) {
        WebElement input = d.findElement(By.id("symbol"));
        input.clear();
        input.sendKeys(symbol, Keys.ENTER);
    }

    @Test
    void aSubscribedSymbolShowsItsSnapshotThenQuotesWithTheirSign() throws Exception {
        String symbol = "WEB" + Long.toString(System.nanoTime() % 46656, 36).toUpperCase();
        post(symbol, "10.00");
        WebDriver d = page("alice");
        add(d, symbol.toLowerCase()); // validated as the server does, after upper-casing what was typed
        WebElement row = row(d, symbol);
        waiting(d).until(x -> text(row, "price").equals("10.00"));
        post(symbol, "10.50");
        waiting(d).until(x -> text(row, "price").equals("10.50"));
        assertEquals("▲ +0.50", text(row, "change"), "a sign, not colour alone");
        assertEquals("up", row.getAttribute("data-direction"));
        post(symbol, "9.00");
        waiting(d).until(x -> text(row, "price").equals("9.00"));
        assertEquals("▼ -1.00", text(row, "change"));
        assertEquals("down", row.getAttribute("data-direction"));

        d.navigate().refresh(); // the subscription is kept across reloads
        awaitStatus(d, "connected");
        WebElement again = row(d, symbol);
        waiting(d).until(x -> text(again, "price").equals("9.00"));
        assertEquals(1, d.findElements(By.cssSelector("#rows tr")).size(), "only what was added");
        again.findElement(By.tagName("button")).click();
        waiting(d).until(x -> x.findElements(By.cssSelector("#rows tr")).isEmpty());
        d.navigate().refresh();
        awaitStatus(d, "connected");
        assertTrue(d.findElements(By.cssSelector("#rows tr")).isEmpty(), "the removal is kept too");
    }

    @Test
    void anUnknownSymbolIsShownAsAnError() throws Exception {
        WebDriver d = page("bob");
        add(d, "NOSUCH9");
        WebElement notice = waiting(d).until(x -> {
            WebElement n = x.findElement(By.id("notice"));
            return n.isDisplayed() ? n : null;
        });
        assertTrue(notice.getText().contains("unknown_symbol"), notice.getText());
        waiting(d).until(x -> x.findElements(By.cssSelector("#rows tr[data-symbol='NOSUCH9']")).isEmpty());
    }

    @Test
    void aDroppedConnectionResubscribesAndShowsTheNewestPrice() throws Exception {
        WebDriver d = page("carol");
        add(d, "ACME"); // the simulated feed ticks it
        WebElement row = row(d, "ACME");
        waiting(d).until(x -> !text(row, "price").equals("…"));
        long before = Long.parseLong(row.getAttribute("data-seq")); // seq of the running application (it started long ago)
        ((JavascriptExecutor) d).executeScript("window.wentDown = false;"
                + "const s = document.getElementById('status');"
                + "new MutationObserver(() => { if (s.dataset.state !== 'connected') window.wentDown = true; })"
                + ".observe(s, {attributes: true, childList: true, subtree: true, characterData: true});");
        Wss.restartApplication(); // every socket is closed; the feed's seq starts again with the application
        waiting(d).until(x -> Boolean.TRUE.equals(((JavascriptExecutor) x).executeScript("return window.wentDown")));
        awaitStatus(d, "connected");
        long seq;
        Instant deadline = Instant.now().plusSeconds(60);
        while (true) { // what a fresh subscriber gets now, from the restarted application
            try {
                Client c = Wss.connect("/ws/market", "carol");
                c.send("{\"type\":\"subscribe\",\"symbols\":[\"ACME\"]}");
                seq = c.next("snapshot").getJsonArray("quotes").getJsonObject(0).getJsonNumber("seq").longValue();
                c.close();
                break;
            } catch (AssertionError | IndexOutOfBoundsException notBackYet) {
                assertTrue(Instant.now().isBefore(deadline), "the application did not come back");
                Thread.sleep(250);
            }
        }
        long atLeast = seq;
        WebElement after = row(d, "ACME");
        // the page shows the restarted application's quotes: its seq, not the old one's
        waiting(d).until(x -> {
            long shown = Long.parseLong(after.getAttribute("data-seq"));
            return shown >= atLeast && shown < before;
        });
        assertTrue(after.findElement(By.className("price")).getText().matches("[0-9.]+( skipped)?"));
    }
}
