package io.wsshub.game;

import java.util.Arrays;

/**
 * A Connect Four board: 7 columns by 6 rows, {@code cells[row * 7 + col]}, row 0 at the bottom; '.' empty, 'R'
 * and 'Y' the two seats' discs. Immutable: a move returns a new board. The server alone applies the rules.
 */
public final class Board {

    public static final int COLS = 7;
    public static final int ROWS = 6;
    public static final String EMPTY = ".".repeat(COLS * ROWS);
    private static final int[][] DIRECTIONS = {{1, 0}, {0, 1}, {1, 1}, {1, -1}};

    private final char[] cells;

    public Board(String cells) {
        if (cells.length() != COLS * ROWS || !cells.matches("[.RY]+")) {
            throw new IllegalArgumentException("a board is 42 of '.', 'R', 'Y'");
        }
        this.cells = cells.toCharArray();
    }

    public static Board empty() {
        return new Board(EMPTY);
    }

    public char at(int col, int row) {
        return cells[row * COLS + col];
    }

    /** The row a disc dropped in {@code col} lands on, or -1 when the column is out of range or full. */
    public int landingRow(int col) {
        if (col < 0 || col >= COLS) {
            return -1;
        }
        for (int row = 0; row < ROWS; row++) {
            if (at(col, row) == '.') {
                return row;
            }
        }
        return -1;
    }

    /** The board after {@code seat} drops a disc in {@code col} (which must have room). */
    public Board drop(int col, char seat) {
        int row = landingRow(col);
        if (row < 0) {
            throw new IllegalArgumentException("column " + col + " has no room");
        }
        char[] next = Arrays.copyOf(cells, cells.length);
        next[row * COLS + col] = seat;
        return new Board(new String(next));
    }

    /**
     * Four in a row through (col, row) for the disc there — horizontal, vertical or either diagonal — as
     * {@code [[col,row] x4]} from one end, or null.
     */
    public int[][] fourThrough(int col, int row) {
        char seat = at(col, row);
        if (seat == '.') {
            return null;
        }
        for (int[] d : DIRECTIONS) {
            int c = col;
            int r = row;
            while (inside(c - d[0], r - d[1]) && at(c - d[0], r - d[1]) == seat) { // back to one end
                c -= d[0];
                r -= d[1];
            }
            int n = 0;
            int[][] line = new int[4][];
            while (inside(c, r) && at(c, r) == seat && n < 4) {
                line[n++] = new int[] {c, r};
                c += d[0];
                r += d[1];
            }
            if (n == 4) {
                return line;
            }
        }
        return null;
    }

    public boolean full() {
        for (char c : cells) {
            if (c == '.') {
                return false;
            }
        }
        return true;
    }

    private static boolean inside(int col, int row) {
        return col >= 0 && col < COLS && row >= 0 && row < ROWS;
    }

    @Override
    public String toString() {
        return new String(cells);
    }
}
