// Minimal demo client for /ws/chat/{room} (docs/protocol.md). Text is always rendered as text.
'use strict';
(() => {
  const $ = (id) => document.getElementById(id);
  let ws = null, room = null, lastId = 0, epoch = '', seq = 0;

  function item(list, text, cls) {
    const li = document.createElement('li');
    li.textContent = text;
    if (cls) li.className = cls;
    list.appendChild(li);
    li.scrollIntoView({block: 'end'});
  }
  function showMessage(m) {
    if (m.id <= lastId) return;
    lastId = m.id;
    item($('messages'), `${m.ts.substring(11, 19)} ${m.from}: ${m.text}`);
  }
  function members(list) {
    $('members').replaceChildren(...list.map((u) => { const li = document.createElement('li'); li.textContent = u; return li; }));
  }
  function connect(name) {
    if (ws) ws.close(1000);
    if (name !== room) { lastId = 0; epoch = ''; $('messages').replaceChildren(); }
    room = name;
    const q = lastId > 0 ? `?since=${lastId}&epoch=${encodeURIComponent(epoch)}` : '';
    const socket = new WebSocket(`wss://${location.host}/ws/chat/${room}${q}`);
    ws = socket;
    $('status').textContent = 'connecting';
    socket.onmessage = (ev) => {
      const f = JSON.parse(ev.data);
      if (f.type === 'welcome') {
        $('status').textContent = `connected as ${f.user} in ${f.room}`;
        if (f.recovered === false) { $('messages').replaceChildren(); lastId = 0; item($('messages'), 'history reloaded', 'note'); }
        epoch = f.epoch; members(f.members); f.history.forEach(showMessage);
      } else if (f.type === 'message') { showMessage(f); }
      else if (f.type === 'presence') { members(f.members); item($('messages'), `${f.user} ${f.event === 'join' ? 'joined' : 'left'}`, 'note'); }
      else if (f.type === 'error') { item($('messages'), `error ${f.code}: ${f.message}`, 'error'); }
    };
    socket.onclose = (ev) => {
      if (ws !== socket) return;
      $('status').textContent = `disconnected (${ev.code}${ev.reason ? ' ' + ev.reason : ''})`;
    };
  }
  $('join').addEventListener('submit', (e) => { e.preventDefault(); connect($('room').value); });
  $('compose').addEventListener('submit', (e) => {
    e.preventDefault();
    const text = $('text').value;
    if (!text.trim() || !ws || ws.readyState !== WebSocket.OPEN) return;
    ws.send(JSON.stringify({type: 'send', text, clientId: `c-${Date.now().toString(36)}-${++seq}`}));
    $('text').value = '';
  });
  connect($('room').value);
})();
