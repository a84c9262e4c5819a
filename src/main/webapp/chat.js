// wss-hub browser client for /ws/chat/{room} (docs/protocol.md).
// One socket per joined room: the room on screen is shown, the others count what you have not read. Every room's
// state (messages, last id, epoch, sends not yet acknowledged) is kept, so a reconnect resumes with
// ?since=&epoch= and re-sends what was not acknowledged with its original clientId (the server de-duplicates).
// A send the server refused stays on screen as failed, with the reason, and is not re-sent (after rate_limited
// or unavailable it is retried once, later). All user text is rendered with textContent.
'use strict';
(() => {
  const ROOM = /^[a-z0-9][a-z0-9-]{0,31}$/;   // the server's rule
  const RETRY_LATER = new Set(['rate_limited', 'unavailable']);
  const $ = (id) => document.getElementById(id);
  const rooms = new Map();   // name -> room state (see state())
  let current = null;        // the room on screen
  let me = null;             // the signed-in user, from the first welcome
  let seq = 0;

  const CLOSE_WORDS = {
    1000: 'closed',
    1001: 'the server is restarting',
    1006: 'the connection was lost',
    1008: 'refused by policy',
    1009: 'message too big',
    1011: 'server error',
    1012: 'the server is restarting',
    1013: 'server busy, try again later',
  };

  function state(name) {
    if (!rooms.has(name)) {
      rooms.set(name, {
        name, lastId: 0, epoch: '', messages: new Map(),
        pending: new Map(),       // clientId -> {text, failed: reason or null, retried}
        ws: null, attempt: 0, retryTimer: null, countdown: null, status: ['offline', 'offline'], unread: 0, button: null,
      });
    }
    return rooms.get(name);
  }

  function setStatus(st, kind, text) {
    st.status = [kind, text];
    if (st.name === current) {
      $('status').dataset.state = kind;
      $('status').textContent = text;
    }
  }

  function note(text, cls) {
    const li = document.createElement('li');
    li.className = cls || 'note';
    li.textContent = text;
    $('messages').appendChild(li);
    li.scrollIntoView({block: 'end'});
  }

  function time(ts) {
    return ts ? new Date(ts).toLocaleTimeString([], {hour: '2-digit', minute: '2-digit', second: '2-digit'}) : '…';
  }

  // One <li> per message; a pending send is the same element, confirmed in place when its echo arrives.
  function renderMessage(m, pending) {
    const id = pending ? `pending-${m.clientId}` : `msg-${m.id}`;
    // only my own echo replaces my pending element (another user may use the same clientId)
    const mine = pending || m.from === me;
    let li = (m.clientId && mine && document.getElementById(`pending-${m.clientId}`)) || document.getElementById(id);
    if (!li) {
      li = document.createElement('li');
      li.innerHTML = '<span class="meta"></span> <strong class="from"></strong> <span class="text"></span>';
      $('messages').appendChild(li);
    }
    li.id = id;
    const failed = pending && pending.failed;
    li.className = pending ? (failed ? 'message pending failed' : 'message pending') : 'message';
    li.dataset.id = pending ? '' : String(m.id);
    li.querySelector('.meta').textContent = pending ? (failed ? `not sent: ${failed}` : 'sending…') : `#${m.id} ${time(m.ts)}`;
    li.querySelector('.from').textContent = m.from;
    li.querySelector('.text').textContent = m.text;
    li.scrollIntoView({block: 'end'});
  }

  function renderRoom() {
    $('messages').replaceChildren();
    if (!current) {
      $('room-title').textContent = 'no room';
      $('members').replaceChildren();
      $('status').dataset.state = 'offline';
      $('status').textContent = 'not in a room';
      return;
    }
    const st = state(current);
    [...st.messages.values()].sort((a, b) => a.id - b.id).forEach((m) => renderMessage(m, null));
    st.pending.forEach((p, clientId) => renderMessage({clientId, text: p.text, from: me || 'you'}, p));
    $('room-title').textContent = `#${current}`;
    members(st.members || []);
    setStatus(st, ...st.status);
    rooms.forEach((r) => {
      if (r.button) r.button.setAttribute('aria-current', String(r.name === current));
    });
  }

  function members(list) {
    if (!current) return;
    $('members').replaceChildren(...list.map((u) => {
      const li = document.createElement('li');
      li.textContent = u;
      return li;
    }));
  }

  function showUnread(st) {
    if (!st.button) return;
    const badge = st.button.querySelector('.unread');
    badge.textContent = st.unread ? String(st.unread) : '';
    badge.hidden = !st.unread;
    st.button.setAttribute('aria-label', st.unread ? `#${st.name}, ${st.unread} unread` : `#${st.name}`);
  }

  function addRoomButton(st) {
    if (st.button) return;
    const b = document.createElement('button');
    b.type = 'button';
    b.dataset.room = st.name;
    const label = document.createElement('span');
    label.textContent = `#${st.name}`;
    const badge = document.createElement('span');
    badge.className = 'unread';
    badge.hidden = true;
    b.append(label, ' ', badge);
    b.addEventListener('click', () => show(st.name));
    const li = document.createElement('li');
    li.appendChild(b);
    $('rooms').appendChild(li);
    st.button = b;
  }

  function accept(st, m, live) {
    if (st.messages.has(m.id)) return; // already shown: exactly once
    st.messages.set(m.id, m);
    st.lastId = Math.max(st.lastId, m.id);
    // my own send comes back with its clientId: that echo is its acknowledgement
    if (m.clientId && m.from === me) st.pending.delete(m.clientId);
    if (st.name === current) {
      renderMessage(m, null);
    } else if (live && m.from !== me) {
      st.unread++;
      showUnread(st);
    }
  }

  // Joins a room (its own socket) and shows it.
  function join(name) {
    const st = state(name);
    addRoomButton(st);
    if (!st.ws && !st.retryTimer) connect(st);
    show(name);
  }

  function show(name) {
    current = name;
    const st = state(name);
    st.unread = 0;
    showUnread(st);
    renderRoom();
  }

  // Leaves the room on screen: its socket is closed (the others see a leave if it was your last connection).
  function leave() {
    if (!current) return;
    const st = state(current);
    clearTimeout(st.retryTimer);
    clearInterval(st.countdown);
    st.retryTimer = null;
    if (st.ws) {
      const old = st.ws;
      st.ws = null;
      old.close(1000, 'left the room');
    }
    if (st.button) st.button.parentElement.remove();
    rooms.delete(current);
    const next = rooms.keys().next();
    current = null;
    if (!next.done) show(next.value);
    else renderRoom();
  }

  function sendNow(st, clientId) {
    const p = st.pending.get(clientId);
    if (p && !p.failed && st.ws && st.ws.readyState === WebSocket.OPEN) {
      st.ws.send(JSON.stringify({type: 'send', text: p.text, clientId}));
    }
  }

  function refused(st, f) {
    const p = f.clientId && st.pending.get(f.clientId);
    if (!p) {
      if (st.name === current) note(`Refused: ${f.message} (${f.code})`, 'error');
      return;
    }
    if (RETRY_LATER.has(f.code) && !p.retried) { // once, a little later, with the same clientId
      p.retried = true;
      setTimeout(() => sendNow(st, f.clientId), 2000 + Math.random() * 2000);
      return;
    }
    p.failed = `${f.message} (${f.code})`;
    if (st.name === current) renderMessage({clientId: f.clientId, text: p.text, from: me || 'you'}, p);
  }

  function connect(st) {
    st.retryTimer = null;
    const q = st.epoch ? `?since=${st.lastId}&epoch=${encodeURIComponent(st.epoch)}` : '';
    setStatus(st, 'connecting', 'connecting…');
    const socket = new WebSocket(`wss://${location.host}/ws/chat/${encodeURIComponent(st.name)}${q}`);
    let opened = false;
    st.ws = socket;
    socket.onopen = () => { opened = true; };
    socket.onmessage = (ev) => {
      if (st.ws !== socket) return;
      let f;
      try { f = JSON.parse(ev.data); } catch (e) { return; }
      if (f.type === 'welcome') {
        st.attempt = 0;
        me = f.user;
        $('me').textContent = f.user;
        setStatus(st, 'connected', `connected as ${f.user}`);
        if (f.recovered === false || (st.epoch && st.epoch !== f.epoch)) {
          st.messages.clear();
          st.lastId = 0;
          if (st.name === current) {
            renderRoom();
            note('The server could not replay what you missed: history reloaded.');
          }
        }
        st.epoch = f.epoch;
        st.members = f.members;
        if (st.name === current) members(f.members);
        f.history.forEach((m) => accept(st, m, false));
        st.pending.forEach((p, clientId) => sendNow(st, clientId)); // failed ones stay failed
      } else if (f.type === 'message') {
        accept(st, f, true);
      } else if (f.type === 'presence') {
        st.members = f.members;
        if (st.name === current) {
          members(f.members);
          note(`${f.user} ${f.event === 'join' ? 'joined' : 'left'}`);
        }
      } else if (f.type === 'error') {
        refused(st, f);
      }
    };
    socket.onclose = (ev) => {
      if (st.ws !== socket) return; // replaced or left on purpose
      st.ws = null;
      const words = CLOSE_WORDS[ev.code] || `closed (${ev.code})`;
      const reason = ev.reason ? `: ${ev.reason}` : '';
      if (ev.code === 1008 && /logged out|Secure HTTP Session/.test(ev.reason)) {
        location.href = 'login.html';
        return;
      }
      if (ev.code === 1008 || ev.code === 1009) { // retrying would be refused again
        setStatus(st, 'offline', `${words}${reason}`);
        if (st.name === current) note(`Disconnected: ${words}${reason}`, 'error');
        return;
      }
      if (!opened && st.attempt >= 2) {
        checkLogin(); // repeated refusals before opening: the login may have expired
      }
      scheduleReconnect(st, `${words}${reason}`, ev.code === 1012);
    };
  }

  function scheduleReconnect(st, why, soon) {
    if (!navigator.onLine) {
      setStatus(st, 'offline', `offline (${why})`);
      return; // the 'online' event reconnects
    }
    // 1012 (service restart, a drained node): reconnect now, with a little jitter so not everyone at once
    const delay = soon ? 100 + Math.random() * 900 : Math.min(30000, 500 * 2 ** st.attempt) * (0.5 + Math.random() / 2);
    st.attempt++;
    let left = Math.ceil(delay / 1000);
    setStatus(st, 'reconnecting', `${why}; reconnecting in ${left}s`);
    clearInterval(st.countdown);
    st.countdown = setInterval(() => {
      left = Math.max(0, left - 1);
      setStatus(st, 'reconnecting', `${why}; reconnecting in ${left}s`);
    }, 1000);
    st.retryTimer = setTimeout(() => { clearInterval(st.countdown); connect(st); }, delay);
  }

  async function checkLogin() {
    try {
      const r = await fetch('index.html', {redirect: 'manual', cache: 'no-store'});
      if (r.type === 'opaqueredirect' || r.status === 401) location.href = 'login.html';
    } catch (e) { /* offline: keep retrying */ }
  }

  window.addEventListener('online', () => rooms.forEach((st) => {
    if (!st.ws) { st.attempt = 0; clearTimeout(st.retryTimer); connect(st); }
  }));
  window.addEventListener('offline', () => rooms.forEach((st) => setStatus(st, 'offline', 'offline')));

  function validRoom(name, field) {
    if (ROOM.test(name)) return true;
    field.setCustomValidity('1 to 32 lowercase letters, digits or "-", not starting with "-"');
    field.reportValidity();
    return false;
  }

  $('join').addEventListener('submit', (e) => {
    e.preventDefault();
    const name = $('room').value.trim();
    if (!validRoom(name, $('room'))) return;
    $('room').setCustomValidity('');
    join(name);
  });
  $('room').addEventListener('input', () => $('room').setCustomValidity(''));
  $('leave').addEventListener('click', leave);

  $('compose').addEventListener('submit', (e) => {
    e.preventDefault();
    const text = $('text').value;
    if (!text.trim() || !current) return;
    const st = state(current);
    const clientId = `${Date.now().toString(36)}-${(++seq).toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
    const p = {text, failed: null, retried: false};
    st.pending.set(clientId, p);
    renderMessage({clientId, text, from: me || 'you'}, p);
    sendNow(st, clientId);
    $('text').value = '';
  });

  // ?room= is the room to open: checked with the server's rule, never used unchecked.
  const asked = new URLSearchParams(location.search).get('room');
  if (asked !== null && !ROOM.test(asked)) {
    join('lobby');
    note(`"${asked.slice(0, 40)}" is not a room name (1 to 32 lowercase letters, digits or "-"): opened #lobby.`, 'error');
  } else {
    join(asked || 'lobby');
  }
})();
