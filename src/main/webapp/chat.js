// wss-hub chat page: ONE socket (/ws, through wss-hub.js) for every conversation of the tab — chat rooms
// (chat:<room>), team channels (<team>:<room>, e.g. staff:ops), direct messages (dm:<a>,<b>, started from the
// member list) — and a notifications panel fed by user:<me>. The library resumes every channel after a
// reconnect (each message once, in order) and retries unacknowledged sends with their clientId; this page draws.
// A send the server refuses stays on screen as failed, with the reason. All user text is rendered as text.
import {Hub} from './js/wss-hub.js';
import {closeWords, words} from './live-socket.js';

const ROOM = /^[a-z0-9][a-z0-9-]{0,31}$/;          // the server's room rule
const TEAM = /^([a-z][a-z0-9-]{0,31}):([a-z0-9][a-z0-9-]{0,31})$/; // <namespace>:<room>
const $ = (id) => document.getElementById(id);
const convs = new Map();   // channel -> conversation state (see conv())
let current = null;        // the channel on screen
let me = null;

const hub = new Hub(`wss://${location.host}/ws`);

/** What the sidebar and title call a channel. */
function label(channel) {
  if (channel.startsWith('chat:')) return `#${channel.slice(5)}`;
  if (channel.startsWith('dm:')) {
    const other = channel.slice(3).split(',').find((u) => u !== me);
    return `@${other || channel.slice(3)}`;
  }
  return `#${channel}`;
}

function conv(channel) {
  if (!convs.has(channel)) {
    convs.set(channel, {
      channel, messages: new Map(), pending: new Map(), // clientId -> {text, failed}
      members: [], count: 0, unread: 0, button: null, sub: null, drawn: false,
    });
  }
  return convs.get(channel);
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
  const mine = pending || m.from === me; // only my own echo replaces my pending element
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

function render() {
  $('messages').replaceChildren();
  if (!current) {
    $('room-title').textContent = 'no room';
    $('members').replaceChildren();
    return;
  }
  const c = conv(current);
  [...c.messages.values()].sort((a, b) => a.id - b.id).forEach((m) => renderMessage(m, null));
  c.pending.forEach((p, clientId) => renderMessage({clientId, text: p.text, from: me || 'you'}, p));
  $('room-title').textContent = label(current);
  members(c);
  convs.forEach((x) => { if (x.button) x.button.setAttribute('aria-current', String(x.channel === current)); });
}

function members(c) {
  if (c.channel !== current) return;
  const items = c.members.map((u) => {
    const li = document.createElement('li');
    const name = document.createElement('span');
    name.className = 'name';
    name.textContent = u;
    li.appendChild(name);
    if (me && u !== me && !c.channel.startsWith('dm:')) {
      const dm = document.createElement('button');
      dm.type = 'button';
      dm.className = 'dm';
      dm.textContent = 'Message';
      dm.setAttribute('aria-label', `Message ${u}`);
      dm.addEventListener('click', () => open(dmChannel(me, u)));
      li.append(' ', dm);
    }
    return li;
  });
  if (c.count > c.members.length) {
    const li = document.createElement('li');
    li.className = 'note';
    li.textContent = `${c.count} members`;
    items.push(li);
  }
  $('members').replaceChildren(...items);
}

function dmChannel(a, b) {
  return `dm:${[a, b].sort().join(',')}`;
}

function showUnread(c) {
  if (!c.button) return;
  const badge = c.button.querySelector('.unread');
  badge.textContent = c.unread ? String(c.unread) : '';
  badge.hidden = !c.unread;
  c.button.setAttribute('aria-label', c.unread ? `${label(c.channel)}, ${c.unread} unread` : label(c.channel));
}

function addButton(c) {
  if (c.button) return;
  const b = document.createElement('button');
  b.type = 'button';
  b.dataset.channel = c.channel;
  if (c.channel.startsWith('chat:')) b.dataset.room = c.channel.slice(5);
  const text = document.createElement('span');
  text.textContent = label(c.channel);
  const badge = document.createElement('span');
  badge.className = 'unread';
  badge.hidden = true;
  b.append(text, ' ', badge);
  b.addEventListener('click', () => show(c.channel));
  const li = document.createElement('li');
  li.appendChild(b);
  $(c.channel.startsWith('dm:') ? 'dms' : 'rooms').appendChild(li);
  c.button = b;
}

function accept(c, m, live) {
  if (c.messages.has(m.id)) return; // already shown: exactly once
  c.messages.set(m.id, m);
  if (m.clientId && m.from === me) c.pending.delete(m.clientId);
  if (c.channel === current) {
    renderMessage(m, null);
  } else if (live && m.from !== me) {
    c.unread++;
    showUnread(c);
  }
}

/** Opens a conversation (subscribing once) and shows it. */
function open(channel) {
  const c = conv(channel);
  addButton(c);
  if (!c.sub) {
    c.sub = hub.subscribe(channel, {
      onSubscribed(s) {
        c.members = s.members || [];
        c.count = s.count || c.members.length;
        if (!c.drawn) { // the first subscribe: its history; a resume delivered the missed ones to onMessage
          c.drawn = true;
          (s.history || []).forEach((m) => accept(c, m, false));
        }
        members(c);
      },
      onReset(s) {
        c.messages.clear();
        (s.history || []).forEach((m) => c.messages.set(m.id, m));
        if (c.channel === current) {
          render();
          note('The server could not replay what you missed: history reloaded.');
        }
      },
      onMessage: (m) => accept(c, m, true),
      onPresence(p) {
        c.count = p.count;
        if (p.members) c.members = p.members;
        else if (p.event === 'join' && !c.members.includes(p.user)) c.members = [...c.members, p.user];
        else if (p.event === 'leave') c.members = c.members.filter((u) => u !== p.user);
        if (c.channel === current) {
          members(c);
          note(`${p.user} ${p.event === 'join' ? 'joined' : 'left'}`);
        }
      },
      onError(e) {
        if (e.clientId) return; // a send's refusal: its publish() rejects
        if (c.sub && c.sub.state === 'failed') forget(channel); // forbidden, invalid_channel, …
        note(`${label(channel)}: ${e.message} (${e.code})`, 'error');
      },
    });
  }
  show(channel);
}

function show(channel) {
  current = channel;
  const c = conv(channel);
  c.unread = 0;
  showUnread(c);
  render();
}

// Leaves the conversation on screen: unsubscribed (the others see a leave if it was your last subscription).
function leave() {
  if (!current) return;
  const c = conv(current);
  if (c.sub) c.sub.unsubscribe();
  forget(current);
}

/** Takes a conversation off the page; if it was on screen, the next one is shown. */
function forget(channel) {
  const c = convs.get(channel);
  if (c && c.button) c.button.parentElement.remove();
  convs.delete(channel);
  if (current === channel) {
    current = null;
    const next = convs.keys().next();
    if (!next.done) show(next.value); else render();
  }
}

function send(text) {
  const c = conv(current);
  const clientId = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
  const p = {text, failed: null};
  c.pending.set(clientId, p);
  renderMessage({clientId, text, from: me || 'you'}, p);
  c.sub.publish(text, {clientId}).then((m) => accept(c, m, false), (err) => {
    if (err.code === 'unsubscribed' || err.code === 'closed') return;
    p.failed = `${err.message} (${err.code})`;
    if (c.channel === current && c.pending.has(clientId)) {
      renderMessage({clientId, text, from: me || 'you'}, p);
    }
  });
}

// ---- notifications: user:<me> -------------------------------------------------------------------------------

function notifications() {
  const list = $('notifications');
  let unseen = 0;
  const add = (m, live) => {
    if (document.getElementById(`note-${m.id}`)) return;
    const li = document.createElement('li');
    li.id = `note-${m.id}`;
    li.innerHTML = '<span class="meta"></span> <span class="text"></span>';
    li.querySelector('.meta').textContent = `${m.from} ${time(m.ts)}`;
    li.querySelector('.text').textContent = m.text;
    list.prepend(li);
    if (live) {
      unseen++;
      $('notes-count').textContent = String(unseen);
      $('notes-count').hidden = false;
    }
  };
  $('notes-head').addEventListener('click', () => { unseen = 0; $('notes-count').hidden = true; });
  hub.subscribe(`user:${me}`, {
    onSubscribed(s) { (s.history || []).forEach((m) => add(m, false)); },
    onReset(s) { list.replaceChildren(); (s.history || []).forEach((m) => add(m, false)); },
    onMessage: (m) => add(m, true),
  });
}

// ---- the connection -----------------------------------------------------------------------------------------

let attempts = 0; // reconnects since the last connected
hub.on('status', (s) => {
  const pill = $('status');
  if (s.state === 'connected') {
    attempts = 0;
    if (!me) {
      me = s.user;
      $('me').textContent = me;
      notifications();
      convs.forEach((c) => { if (c.button) c.button.firstChild.textContent = label(c.channel); });
      if (current) members(conv(current));
    }
    pill.dataset.state = 'connected';
    pill.textContent = `connected as ${s.user}`;
  } else if (s.state === 'reconnecting') {
    pill.dataset.state = 'reconnecting';
    pill.textContent = `${closeWords(s.code)}; reconnecting in ${Math.ceil(s.delayMs / 1000)}s`;
    if (++attempts >= 3 && s.code === 1006) checkLogin(); // refused again and again: the login may have expired
  } else if (s.state === 'connecting') {
    pill.dataset.state = 'connecting';
    pill.textContent = 'connecting…';
  } else if (s.state === 'closed') {
    if (/logged out|Secure HTTP Session/.test(s.reason || '')) {
      location.href = 'login.html';
      return;
    }
    pill.dataset.state = 'offline';
    pill.textContent = words(s.code, s.reason);
    note(`Disconnected: ${pill.textContent}`, 'error');
  }
});

async function checkLogin() {
  try {
    const r = await fetch('index.html', {redirect: 'manual', cache: 'no-store'});
    if (r.type === 'opaqueredirect' || r.status === 401) location.href = 'login.html';
  } catch (e) { /* offline: keep retrying */ }
}

// ---- the forms ----------------------------------------------------------------------------------------------

/** A room name, or a team channel <namespace>:<room>; checked with the server's rules before it is used. */
function channelOf(name) {
  if (ROOM.test(name)) return `chat:${name}`;
  const t = TEAM.exec(name);
  if (t && !['chat', 'dm', 'user', 'market'].includes(t[1])) return name;
  return null;
}

$('join').addEventListener('submit', (e) => {
  e.preventDefault();
  const field = $('room');
  const channel = channelOf(field.value.trim());
  if (!channel) {
    field.setCustomValidity('a room: 1 to 32 lowercase letters, digits or "-"; a team channel: team:room');
    field.reportValidity();
    return;
  }
  field.setCustomValidity('');
  open(channel);
});
$('room').addEventListener('input', () => $('room').setCustomValidity(''));
$('leave').addEventListener('click', leave);

$('compose').addEventListener('submit', (e) => {
  e.preventDefault();
  const text = $('text').value;
  if (!text.trim() || !current) return;
  send(text);
  $('text').value = '';
});

// ?room= is the room to open: checked with the server's rule, never used unchecked.
const asked = new URLSearchParams(location.search).get('room');
if (asked !== null && !ROOM.test(asked)) {
  open('chat:lobby');
  note(`"${asked.slice(0, 40)}" is not a room name (1 to 32 lowercase letters, digits or "-"): opened #lobby.`, 'error');
} else {
  open(`chat:${asked || 'lobby'}`);
}
