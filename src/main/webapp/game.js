// wss-hub browser client for /ws/game (docs/protocol.md): lobby, matchmaking, the board, clocks and spectating.
// The server owns the game: this page only sends intents (queue, move with the version it saw, resign, spectate)
// and draws the state it gets. A reload or a new connection is welcomed with the user's match. All text is set
// with textContent.
import {liveSocket} from './live-socket.js';

{
  const COLS = 7;
  const ROWS = 6;
  const $ = (id) => document.getElementById(id);
  let socket = null;
  let me = null;
  let current = null;        // {matchId, players, seat, state, away: {user: graceDeadline}}
  let queued = false;
  let lobbyTimer = null;

  const REASONS = {
    four: 'four in a row', draw: 'the board is full', timeout: 'time ran out', resign: 'resigned',
    abandon: 'left the match',
  };

  function notice(text) {
    $('notice').textContent = text;
    $('notice').hidden = !text;
  }

  function send(frame) {
    if (socket) socket.send(frame);
  }

  // ---- the board ----------------------------------------------------------------------------------------------

  function buildBoard() {
    const board = $('board');
    for (let col = 0; col < COLS; col++) {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'column';
      b.dataset.col = String(col);
      for (let row = ROWS - 1; row >= 0; row--) {
        const cell = document.createElement('span');
        cell.className = 'cell';
        cell.dataset.col = String(col);
        cell.dataset.row = String(row);
        b.appendChild(cell);
      }
      b.addEventListener('click', () => drop(col));
      b.addEventListener('keydown', (e) => {
        if (e.key === 'ArrowLeft' || e.key === 'ArrowRight') {
          e.preventDefault();
          const next = (col + (e.key === 'ArrowLeft' ? COLS - 1 : 1)) % COLS;
          board.children[next].focus();
        }
      });
      board.appendChild(b);
    }
  }

  function myTurn() {
    return current && current.seat && current.state && current.state.status === 'playing'
      && current.state.turn === current.seat;
  }

  function drop(col) {
    if (!myTurn()) return;
    const s = current.state;
    if (s.board[(ROWS - 1) * COLS + col] !== '.') {
      notice(`Column ${col + 1} is full.`);
      return;
    }
    notice('');
    send({type: 'move', matchId: current.matchId, ver: s.ver, col});
  }

  function name(seat) {
    return current.players[seat];
  }

  function render() {
    if (!current) {
      $('match').hidden = true;
      $('play').disabled = false;
      return;
    }
    $('match').hidden = false;
    $('match').dataset.seat = current.seat || '';
    $('match').dataset.matchId = current.matchId;
    const r = current.players.R;
    const y = current.players.Y;
    $('title').textContent = `${r} (red) vs ${y} (yellow)${current.seat ? '' : ' — watching'}`;
    const s = current.state;
    if (!s) return;
    const board = $('board');
    board.dataset.board = s.board;
    board.dataset.ver = String(s.ver);
    board.dataset.status = s.status;
    const line = new Set((s.line || []).map(([c, row]) => `${c},${row}`));
    for (const cell of board.querySelectorAll('.cell')) {
      const c = Number(cell.dataset.col);
      const row = Number(cell.dataset.row);
      const v = s.board[row * COLS + c];
      cell.dataset.disc = v === '.' ? '' : v;
      cell.classList.toggle('win', line.has(`${c},${row}`));
      cell.classList.toggle('last', !!s.lastMove && s.lastMove.col === c && s.lastMove.row === row);
    }
    const mine = myTurn();
    board.dataset.mine = String(mine);
    for (const b of board.children) {
      const c = Number(b.dataset.col);
      const full = s.board[(ROWS - 1) * COLS + c] !== '.';
      b.disabled = !mine || full;
      const filled = [...s.board].filter((v, i) => i % COLS === c && v !== '.').length;
      b.setAttribute('aria-label', `Column ${c + 1}, ${filled} of ${ROWS} filled${full ? ' (full)' : ''}`);
    }
    $('resign').hidden = !current.seat || s.status !== 'playing';
    $('play').disabled = !!current.seat && s.status === 'playing'; // one match at a time
    $('leave').hidden = !!current.seat && s.status === 'playing';
    const result = $('result');
    if (s.status === 'over') {
      result.hidden = false;
      result.dataset.reason = s.reason;
      result.dataset.winner = s.winner || '';
      let text;
      if (!s.winner) {
        text = `Draw — ${REASONS.draw}.`;
      } else {
        const loser = name(s.winner === 'R' ? 'Y' : 'R');
        const who = current.seat === s.winner ? 'You win' : current.seat ? 'You lose' : `${name(s.winner)} wins`;
        const how = s.reason === 'four' ? REASONS.four : `${loser} ${s.reason === 'timeout' ? 'ran out of time'
          : s.reason === 'resign' ? 'resigned' : 'left the match'}`;
        text = `${who} — ${how}.`;
      }
      result.textContent = text;
    } else {
      result.hidden = true;
    }
    tick();
  }

  // Clocks: the mover's deadline and an absent player's grace deadline, both UTC times from the server.
  function tick() {
    if (!current || !current.state) return;
    const s = current.state;
    if (s.status === 'playing') {
      const left = Math.max(0, Math.ceil((Date.parse(s.deadline) - Date.now()) / 1000));
      const who = current.seat === s.turn ? 'Your turn' : `${name(s.turn)}'s turn`;
      $('turn').textContent = `${who} (${s.turn === 'R' ? 'red' : 'yellow'}) — ${left} s left`;
      $('turn').dataset.turn = s.turn;
    } else {
      $('turn').textContent = '';
    }
    const parts = [];
    for (const seat of ['R', 'Y']) {
      const user = name(seat);
      if (user === me && current.seat) continue;
      const grace = current.away[user];
      if (grace && s.status === 'playing') {
        const left = Math.max(0, Math.ceil((Date.parse(grace) - Date.now()) / 1000));
        parts.push(`${user} is disconnected — loses in ${left} s unless back`);
      } else if (s.status === 'playing') {
        parts.push(`${user} is connected`);
      }
    }
    $('opponent').textContent = parts.join('; ');
    $('opponent').dataset.away = String(Object.keys(current.away).length > 0);
  }

  setInterval(tick, 250);

  // ---- lobby ----------------------------------------------------------------------------------------------

  function showLobby(matches) {
    const list = $('matches');
    list.textContent = '';
    const live = matches.filter((m) => m.status === 'playing');
    $('no-matches').hidden = live.length > 0;
    for (const m of live) {
      const li = document.createElement('li');
      li.dataset.matchId = m.matchId;
      const label = document.createElement('span');
      label.textContent = `${m.players.R} vs ${m.players.Y} · ${m.spectators} watching `;
      li.appendChild(label);
      const mine = m.players.R === me || m.players.Y === me;
      const b = document.createElement('button');
      b.type = 'button';
      b.textContent = mine ? 'Open' : 'Watch';
      b.setAttribute('aria-label', `${mine ? 'Open' : 'Watch'} ${m.players.R} vs ${m.players.Y}`);
      b.addEventListener('click', () => send({type: 'spectate', matchId: m.matchId}));
      li.appendChild(b);
      list.appendChild(li);
    }
  }

  function setQueued(on) {
    queued = on;
    $('play').hidden = on;
    $('cancel').hidden = !on;
    $('queue-state').textContent = on ? 'Waiting for an opponent…' : '';
  }

  // ---- frames (the socket, its reconnects and the status pill: live-socket.js) ----------------------------

  function onFrame(f) {
    switch (f.type) {
      case 'welcome':
        me = f.user;
        $('me').textContent = me;
        if (!f.matches.length && current && current.state && current.state.status === 'playing') {
          // watching again after a reconnect, or a match of ours that ended while we were away: how it stands now
          send({type: 'spectate', matchId: current.matchId});
        }
        for (const s of f.matches) {
          current = {matchId: s.matchId, players: current && current.matchId === s.matchId ? current.players : null,
            seat: null, state: s, away: {}};
        }
        if (queued) send({type: 'queue'}); // the queue forgets a user whose last connection closed
        send({type: 'lobby'});
        break;
      case 'queued':
        setQueued(true);
        break;
      case 'match': {
        setQueued(false);
        const keep = current && current.matchId === f.matchId ? current : null;
        current = {matchId: f.matchId, players: f.players, seat: f.seat, state: keep ? keep.state : null,
          away: keep ? keep.away : {}};
        notice('');
        render();
        if (!current.state) $('board').dataset.ver = '0';
        break;
      }
      case 'state':
        if (current && current.matchId === f.matchId && current.players
            && (!current.state || f.ver >= current.state.ver)) {
          current.state = f;
          if (f.status === 'over') current.away = {};
          render();
        }
        break;
      case 'presence':
        if (current && current.matchId === f.matchId) {
          if (f.connected) delete current.away[f.user];
          else current.away[f.user] = f.graceDeadline;
          tick();
        }
        break;
      case 'lobby':
        showLobby(f.matches);
        break;
      case 'error':
        if (f.code === 'no_such_match' && current && f.matchId === current.matchId) {
          current = null; // it ended and was removed meanwhile
          render();
        }
        if (f.code === 'stale_version' && current) {
          send({type: 'spectate', matchId: current.matchId}); // fetch the match as it is now
        } else if (f.code === 'already_playing' && f.matchId) {
          setQueued(false);
          send({type: 'spectate', matchId: f.matchId});
        }
        if (f.code !== 'stale_version') notice(`${f.message} (${f.code})`);
        break;
      default:
        break;
    }
  }

  document.addEventListener('keydown', (e) => {
    // keys 1 to 7 drop in that column (not while typing somewhere)
    if (e.target instanceof HTMLInputElement || e.altKey || e.ctrlKey || e.metaKey) return;
    const n = Number(e.key);
    if (n >= 1 && n <= COLS && myTurn()) {
      e.preventDefault();
      drop(n - 1);
    }
  });
  $('play').addEventListener('click', () => { notice(''); send({type: 'queue'}); });
  $('cancel').addEventListener('click', () => { send({type: 'unqueue'}); setQueued(false); });
  $('resign').addEventListener('click', () => {
    if (current && window.confirm('Resign this match?')) send({type: 'resign', matchId: current.matchId});
  });
  $('leave').addEventListener('click', () => { current = null; render(); send({type: 'lobby'}); });
  lobbyTimer = setInterval(() => { if (!current || !current.seat) send({type: 'lobby'}); }, 5000);

  buildBoard();
  socket = liveSocket('/ws/game', {onFrame});
}
