package io.wsshub.game;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The rules of Connect Four, exactly: landing rows, full and missing columns, each kind of four, a draw. */
class BoardTest {

    private static Board play(String cols) {
        Board b = Board.empty();
        char seat = 'R';
        for (char c : cols.toCharArray()) {
            b = b.drop(c - '0', seat);
            seat = seat == 'R' ? 'Y' : 'R';
        }
        return b;
    }

    @Test
    void discsStackFromTheBottomAndAFullColumnOrColumn7HasNoRoom() {
        Board b = play("333333");
        assertEquals(-1, b.landingRow(3));
        assertEquals(-1, b.landingRow(7));
        assertEquals(-1, b.landingRow(-1));
        assertEquals(0, b.landingRow(0));
        assertEquals('R', b.at(3, 0));
        assertEquals('Y', b.at(3, 5));
        assertEquals("...R......Y......R......Y......R......Y...", b.toString());
    }

    @Test
    void horizontalAndVerticalFours() {
        Board h = play("0011223"); // R: 0,1,2,3 on row 0
        assertArrayEquals(new int[][] {{0, 0}, {1, 0}, {2, 0}, {3, 0}}, h.fourThrough(3, 0));
        Board v = play("0101010"); // R: column 0 four high
        assertArrayEquals(new int[][] {{0, 0}, {0, 1}, {0, 2}, {0, 3}}, v.fourThrough(0, 3));
        assertNull(play("010101").fourThrough(0, 2));
    }

    @Test
    void bothDiagonals() {
        // R climbs from (0,0) to (3,3)
        Board up = play("0112232334" + "3");
        assertEquals('R', up.at(3, 3));
        assertArrayEquals(new int[][] {{0, 0}, {1, 1}, {2, 2}, {3, 3}}, up.fourThrough(3, 3));
        // R descends from (0,3) to (3,0): the mirror of the above
        Board down = play("6554434332" + "3");
        assertEquals('R', down.at(3, 3));
        assertArrayEquals(new int[][] {{3, 3}, {4, 2}, {5, 1}, {6, 0}}, down.fourThrough(3, 3));
    }

    @Test
    void aFullBoardWithoutFourIsADraw() {
        // columns filled in pairs so that no four ever lines up
        String draw = "RYRYRY" + "RYRYRY" + "YRYRYR" + "RYRYRY" + "RYRYRY" + "YRYRYR" + "RYRYRY";
        StringBuilder cells = new StringBuilder(".".repeat(42));
        for (int col = 0; col < 7; col++) {
            for (int row = 0; row < 6; row++) {
                cells.setCharAt(row * 7 + col, draw.charAt(col * 6 + row));
            }
        }
        Board b = new Board(cells.toString());
        assertTrue(b.full());
        for (int col = 0; col < 7; col++) {
            for (int row = 0; row < 6; row++) {
                assertNull(b.fourThrough(col, row), "no four at " + col + "," + row);
            }
        }
    }
}
