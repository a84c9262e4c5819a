// wss-hub browser client for /ws/chat/{room} (docs/protocol.md).
// One socket for the room on screen; every room's state (messages, last id, epoch, unacknowledged sends) is
// kept, so switching back or reconnecting resumes with ?since=&epoch= and re-sends what was not acknowledged
// with its original clientId (the server de-duplicates). All user text is rendered with textContent.
'use strict';
(() => {
  const ROOM = /^[a-z0-9][a-z0-9-]{0,31}$/;
  const $ = (id) => document.getElementById(id);
  const rooms = new Map();           // name -> {lastId, epoch, messages: Map<id,msg>, pending: Map<clientId,text>}
  let current = null;                // the room on screen
  let ws = null;                     // its socket
  let attempt = 0;                   // consecutive failed connects, for the backoff
  let retryTimer = null;
  let countdown = null;
  let seq = 0;

  const CLOSE_WORDS = {
    1000: 'closed',
    1001: 'the server is restarting',
    1006: 'the connection was lost',
    1008: 'refused by policy',
    1009: 'message too big',
    1011: 'server error',
    1013: 'server busy, try again later',
  };

  function state(name) {
    if (!rooms.has(name)) {
      rooms.set(name, {lastId: 0, epoch: '', messages: new Map(), pending: new Map()});
    }
    return rooms.get(name);
  }

  function setStatus(kind, text) {
    const s = $('status');
    s.dataset.state = kind;
    s.textContent = text;
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
    let li = (m.clientId && document.getElementById(`pending-${m.clientId}`)) || document.getElementById(id);
    if (!li) {
      li = document.createElement('li');
      li.innerHTML = '<span class="meta"></span> <strong class="from"></strong> <span class="text"></span>';
      $('messages').appendChild(li);
    }
    li.id = id;
    li.className = pending ? 'message pending' : 'message';
    li.dataset.id = pending ? '' : String(m.id);
    li.querySelector('.meta').textContent = pending ? 'sending…' : `#${m.id} ${time(m.ts)}`;
    li.querySelector('.from').textContent = m.from;
    li.querySelector('.text').textContent = m.text;
    li.scrollIntoView({block: 'end'});
  }

  function renderRoom(name) {
    const st = state(name);
    $('messages').replaceChildren();
    [...st.messages.values()].sort((a, b) => a.id - b.id).forEach((m) => renderMessage(m, false));
    st.pending.forEach((text, clientId) => renderMessage({clientId, text, from: 'you'}, true));
    $('room-title').textContent = `#${name}`;
    document.querySelectorAll('#rooms button').forEach((b) => b.setAttribute('aria-current', b.dataset.room === name));
  }

  function members(list) {
    $('members').replaceChildren(...list.map((u) => {
      const li = document.createElement('li');
      li.textContent = u;
      return li;
    }));
  }

  function addRoomButton(name) {
    if (document.querySelector(`#rooms button[data-room="${name}"]`)) return;
    const b = document.createElement('button');
    b.type = 'button';
    b.dataset.room = name;
    b.textContent = `#${name}`;
    b.addEventListener('click', () => open(name));
    const li = document.createElement('li');
    li.appendChild(b);
    $('rooms').appendChild(li);
  }

  function accept(st, m) {
    if (m.id <= st.lastId && st.messages.has(m.id)) return; // already shown: exactly once
    st.messages.set(m.id, m);
    st.lastId = Math.max(st.lastId, m.id);
    if (m.clientId) st.pending.delete(m.clientId);
    if (m.room === current) renderMessage(m, false);
  }

  function open(name) {
    clearTimeout(retryTimer);
    clearInterval(countdown);
    if (ws) {
      const old = ws;
      ws = null;
      old.close(1000, 'switching room');
    }
    current = name;
    addRoomButton(name);
    renderRoom(name);
    connect();
  }

  function connect() {
    const name = current;
    const st = state(name);
    const q = st.epoch ? `?since=${st.lastId}&epoch=${encodeURIComponent(st.epoch)}` : '';
    setStatus('connecting', 'connecting…');
    const socket = new WebSocket(`wss://${location.host}/ws/chat/${name}${q}`);
    let opened = false;
    ws = socket;
    socket.onopen = () => { opened = true; };
    socket.onmessage = (ev) => {
      if (ws !== socket) return;
      let f;
      try { f = JSON.parse(ev.data); } catch (e) { return; }
      if (f.type === 'welcome') {
        attempt = 0;
        setStatus('connected', `connected as ${f.user}`);
        $('me').textContent = f.user;
        if (f.recovered === false || (st.epoch && st.epoch !== f.epoch)) {
          st.messages.clear();
          st.lastId = 0;
          renderRoom(name);
          note('The server could not replay what you missed: history reloaded.');
        }
        st.epoch = f.epoch;
        members(f.members);
        f.history.forEach((m) => accept(st, m));
        st.pending.forEach((text, clientId) => socket.send(JSON.stringify({type: 'send', text, clientId})));
      } else if (f.type === 'message') {
        accept(st, f);
      } else if (f.type === 'presence') {
        members(f.members);
        note(`${f.user} ${f.event === 'join' ? 'joined' : 'left'}`);
      } else if (f.type === 'error') {
        note(`Not sent: ${f.message} (${f.code})`, 'error');
      }
    };
    socket.onclose = (ev) => {
      if (ws !== socket) return; // replaced on purpose
      ws = null;
      const words = CLOSE_WORDS[ev.code] || `closed (${ev.code})`;
      const reason = ev.reason ? `: ${ev.reason}` : '';
      if (ev.code === 1008 && /logged out|Secure HTTP Session/.test(ev.reason)) {
        location.href = 'login.html';
        return;
      }
      if (ev.code === 1008 || ev.code === 1009) { // retrying would be refused again
        setStatus('offline', `${words}${reason}`);
        note(`Disconnected: ${words}${reason}`, 'error');
        return;
      }
      if (!opened && attempt >= 2) {
        checkLogin(); // repeated refusals before opening: the login may have expired
      }
      scheduleReconnect(`${words}${reason}`);
    };
  }

  function scheduleReconnect(why) {
    if (!navigator.onLine) {
      setStatus('offline', `offline (${why})`);
      return; // the 'online' event reconnects
    }
    const delay = Math.min(30000, 500 * 2 ** attempt) * (0.5 + Math.random() / 2); // backoff with jitter
    attempt++;
    let left = Math.ceil(delay / 1000);
    setStatus('reconnecting', `${why}; reconnecting in ${left}s`);
    clearInterval(countdown);
    countdown = setInterval(() => {
      left = Math.max(0, left - 1);
      setStatus('reconnecting', `${why}; reconnecting in ${left}s`);
    }, 1000);
    retryTimer = setTimeout(() => { clearInterval(countdown); connect(); }, delay);
  }

  async function checkLogin() {
    try {
      const r = await fetch('index.html', {redirect: 'manual', cache: 'no-store'});
      if (r.type === 'opaqueredirect' || r.status === 401) location.href = 'login.html';
    } catch (e) { /* offline: keep retrying */ }
  }

  window.addEventListener('online', () => { if (!ws && current) { attempt = 0; clearTimeout(retryTimer); connect(); } });
  window.addEventListener('offline', () => setStatus('offline', 'offline'));

  $('join').addEventListener('submit', (e) => {
    e.preventDefault();
    const name = $('room').value.trim();
    if (!ROOM.test(name)) {
      $('room').setCustomValidity('1 to 32 lowercase letters, digits or "-", not starting with "-"');
      $('room').reportValidity();
      return;
    }
    $('room').setCustomValidity('');
    open(name);
  });
  $('room').addEventListener('input', () => $('room').setCustomValidity(''));

  $('compose').addEventListener('submit', (e) => {
    e.preventDefault();
    const text = $('text').value;
    if (!text.trim() || !current) return;
    const clientId = `${Date.now().toString(36)}-${(++seq).toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
    state(current).pending.set(clientId, text);
    renderMessage({clientId, text, from: 'you'}, true);
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({type: 'send', text, clientId}));
    $('text').value = '';
  });

  open(new URLSearchParams(location.search).get('room') || 'lobby');
})();
