package io.wsshub.it;

import static io.wsshub.it.BrowserIT.awaitStatus;
import static io.wsshub.it.BrowserIT.signedInAt;
import static io.wsshub.it.BrowserIT.waiting;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;

/**
 * The game page in headless Chromium, each user in a browser of their own (the test server: turn 6 s, grace
 * 3 s): two players play a match to a win and a spectator sees the same final board; a player reloads mid-game
 * and continues; a player who closes the page loses by abandon.
 */
@ExtendWith({ArquillianExtension.class, BrowserIT.Screenshots.class})
class GamePageIT {

    private static WebDriver page(String user) throws Exception {
        WebDriver d = signedInAt(user, "/game.html");
        awaitStatus(d, "connected");
        return d;
    }

    private static WebElement board(WebDriver d) {
        return d.findElement(By.id("board"));
    }

    private static long ver(WebDriver d) {
        String v = board(d).getAttribute("data-ver");
        return v == null || v.isEmpty() ? 0 : Long.parseLong(v);
    }

    private static void awaitVer(WebDriver d, long ver) {
        waiting(d).until(x -> ver(x) >= ver);
    }

    private static String seat(WebDriver d) {
        return d.findElement(By.id("match")).getAttribute("data-seat");
    }

    /** Both click Play; returns {red, yellow} once both boards show the first state. */
    private static WebDriver[] matched(WebDriver first, WebDriver second) {
        first.findElement(By.id("play")).click();
        waiting(first).until(x -> x.findElement(By.id("queue-state")).getText().contains("Waiting"));
        assertTrue(first.findElement(By.id("cancel")).isDisplayed(), "a waiting player can cancel");
        second.findElement(By.id("play")).click();
        for (WebDriver d : new WebDriver[] {first, second}) {
            awaitVer(d, 1);
            waiting(d).until(x -> !seat(x).isEmpty());
        }
        return "R".equals(seat(first)) ? new WebDriver[] {first, second} : new WebDriver[] {second, first};
    }

    /** A click on a column of the mover's board; every page in {@code all} then shows the next version. */
    private static void click(WebDriver mover, int col, WebDriver... all) {
        long next = ver(mover) + 1;
        WebElement column = waiting(mover).until(x -> {
            WebElement c = x.findElement(By.cssSelector("#board button[data-col='" + col + "']"));
            return c.isEnabled() ? c : null;
        });
        column.click();
        for (WebDriver d : all) {
            awaitVer(d, next);
        }
    }

    private static String result(WebDriver d) {
        return waiting(d).until(x -> {
            WebElement r = x.findElement(By.id("result"));
            return r.isDisplayed() ? r.getText() : null;
        });
    }

    @Test
    void twoPlayersPlayToAWinAndASpectatorSeesTheSameFinalBoard() throws Exception {
        WebDriver alice = page("alice");
        WebDriver bob = page("bob");
        WebDriver carol = page("carol");
        WebDriver[] p = matched(alice, bob);
        WebDriver red = p[0];
        WebDriver yellow = p[1];
        assertTrue(red.findElement(By.id("turn")).getText().startsWith("Your turn"),
                red.findElement(By.id("turn")).getText());
        assertTrue(yellow.findElement(By.id("turn")).getText().contains("'s turn"));
        assertTrue(red.findElement(By.id("turn")).getText().matches(".* [0-6] s left"), "a live countdown");
        assertTrue(yellow.findElement(By.cssSelector("#board button[data-col='3']")).getAttribute("disabled") != null,
                "not your turn: the columns are disabled");

        carol.navigate().refresh(); // the lobby (sent on every welcome) lists the match; carol watches from there
        awaitStatus(carol, "connected");
        WebElement watch = waiting(carol).until(x -> {
            List<WebElement> b = x.findElements(By.cssSelector("#matches li button"));
            return b.isEmpty() ? null : b.get(0);
        });
        assertTrue(watch.getText().equals("Watch"));
        watch.click();
        waiting(carol).until(x -> ver(x) >= 1 && "".equals(seat(x)));
        assertTrue(carol.findElement(By.id("title")).getText().contains("watching"));

        click(red, 3, red, yellow, carol);
        click(yellow, 4, red, yellow, carol);
        click(red, 3, red, yellow, carol);
        click(yellow, 4, red, yellow, carol);
        click(red, 3, red, yellow, carol);
        // yellow plays with the keyboard: key 5 drops in the fifth column (index 4)
        long next = ver(yellow) + 1;
        yellow.findElement(By.tagName("body")).sendKeys("5");
        awaitVer(red, next);
        awaitVer(carol, next);
        click(red, 3, red, yellow, carol); // four in column 3

        assertEquals("You win — four in a row.", result(red));
        assertEquals("You lose — four in a row.", result(yellow));
        assertTrue(result(carol).endsWith("wins — four in a row."), result(carol));
        String finalBoard = board(red).getAttribute("data-board");
        assertEquals(finalBoard, board(yellow).getAttribute("data-board"));
        assertEquals(finalBoard, board(carol).getAttribute("data-board"), "the spectator sees the same final board");
        for (WebDriver d : new WebDriver[] {red, carol}) {
            List<WebElement> win = d.findElements(By.cssSelector("#board .cell.win"));
            assertEquals(4, win.size(), "the winning four are highlighted");
            for (WebElement cell : win) {
                assertEquals("3", cell.getAttribute("data-col"));
            }
        }
    }

    @Test
    void aPlayerWhoReloadsMidGameIsBackInTheMatchAndPlaysOn() throws Exception {
        WebDriver alice = page("alice");
        WebDriver bob = page("bob");
        WebDriver[] p = matched(alice, bob);
        WebDriver red = p[0];
        WebDriver yellow = p[1];
        click(red, 0, red, yellow);
        String before = board(red).getAttribute("data-board");

        yellow.navigate().refresh(); // yellow to move: the page comes back into the same match
        awaitStatus(yellow, "connected");
        waiting(yellow).until(x -> ver(x) == 2 && "Y".equals(seat(x)));
        assertEquals(before, board(yellow).getAttribute("data-board"));
        click(yellow, 1, red, yellow);
        click(red, 0, red, yellow);
        assertEquals("RY.....R" + ".".repeat(34), board(yellow).getAttribute("data-board"));

        ((JavascriptExecutor) red).executeScript("window.confirm = () => true;");
        red.findElement(By.id("resign")).click();
        assertEquals("You win — " + red.findElement(By.id("title")).getText().split(" ")[0] + " resigned.",
                result(yellow));
    }

    @Test
    void aPlayerWhoClosesThePageLosesByAbandonAtPhoneWidth() throws Exception {
        WebDriver alice = page("alice");
        alice.manage().window().setSize(new Dimension(390, 844)); // a phone
        WebDriver bob = page("bob");
        matched(alice, bob);
        WebElement boardEl = board(alice);
        assertTrue(boardEl.getRect().getX() >= 0 && boardEl.getRect().getX() + boardEl.getRect().getWidth() <= 390,
                "the board fits the phone's width: " + boardEl.getRect());

        bob.close(); // bob closes the page (its only window): no reconnect
        waiting(alice).until(x -> x.findElement(By.id("opponent")).getText().contains("disconnected"));
        assertTrue(alice.findElement(By.id("opponent")).getText().matches(".*loses in \\d s unless back"));
        assertEquals("You win — bob left the match.", result(alice));
        assertEquals("abandon", alice.findElement(By.id("result")).getAttribute("data-reason"));
    }
}
