// The pages' connection helpers, on the client library's rules (wss-hub.js): the status pill (#status) for a
// Hub, and liveSocket() for an endpoint the library does not speak (/ws/game): one WebSocket that stays
// connected with the library's backoff (full jitter, 0.5 s base, 20 s cap; a 1012/1001 restart within a second),
// a reconnect when the browser comes back online, and the login page after a logout.
import {backoffDelay} from './js/wss-hub.js';

const CLOSE_WORDS = {
  1000: 'closed', 1001: 'the server is restarting', 1006: 'the connection was lost', 1008: 'refused by policy',
  1009: 'message too big', 1011: 'server error', 1012: 'the server is restarting',
  1013: 'server busy, try again later',
};

/** A close code in words, for the status pill. */
export function closeWords(code) {
  return CLOSE_WORDS[code] || `closed (${code})`;
}

/** A close code in words, with the server's reason. */
export function words(code, reason) {
  return `${closeWords(code)}${reason ? ': ' + reason : ''}`;
}

function setStatus(kind, text) {
  const status = document.getElementById('status');
  status.dataset.state = kind;
  status.textContent = text;
}

/** Shows a Hub's state in #status; a logout (1008 "logged out") opens the login page. */
export function statusPill(hub) {
  let countdown = null;
  hub.on('status', (s) => {
    clearInterval(countdown);
    if (s.state === 'connected') {
      setStatus('connected', 'live');
    } else if (s.state === 'connecting') {
      setStatus('connecting', 'connecting…');
    } else if (s.state === 'reconnecting') {
      let left = Math.ceil(s.delayMs / 1000);
      const why = words(s.code, s.reason);
      setStatus('reconnecting', `${why}; reconnecting in ${left}s`);
      countdown = setInterval(() => {
        left = Math.max(0, left - 1);
        setStatus('reconnecting', `${why}; reconnecting in ${left}s`);
      }, 1000);
    } else if (s.state === 'closed') {
      if (/logged out|Secure HTTP Session/.test(s.reason || '')) {
        location.href = 'login.html';
        return;
      }
      setStatus('offline', words(s.code, s.reason));
    }
  });
}

/**
 * One WebSocket to {@code path} that stays connected. onOpen runs after each (re)connect (re-send your state),
 * onFrame for each JSON frame. Returns {send(frame)}: a frame sent while reconnecting is dropped.
 */
export function liveSocket(path, {onOpen, onFrame}) {
  let ws = null;
  let attempt = 0;
  let retryTimer = null;
  let countdown = null;
  let openedAt = 0;

  function connect() {
    setStatus('connecting', 'connecting…');
    const socket = new WebSocket(`wss://${location.host}${path}`);
    ws = socket;
    socket.onopen = () => {
      openedAt = Date.now();
      setStatus('connected', 'live');
      if (onOpen) onOpen();
    };
    socket.onmessage = (ev) => {
      if (ws !== socket) return;
      let f;
      try { f = JSON.parse(ev.data); } catch (e) { return; }
      onFrame(f);
    };
    socket.onclose = (ev) => {
      if (ws !== socket) return;
      ws = null;
      if (ev.code === 1008 && /logged out|Secure HTTP Session/.test(ev.reason)) {
        location.href = 'login.html';
        return;
      }
      if (openedAt && Date.now() - openedAt >= 10000) attempt = 0; // it was up a while: start over
      openedAt = 0;
      scheduleReconnect(words(ev.code, ev.reason), ev.code === 1012 || ev.code === 1001);
    };
  }

  function scheduleReconnect(why, restart) {
    const delay = restart ? Math.floor(Math.random() * 1000) : backoffDelay(attempt++);
    if (restart) attempt = 0;
    let left = Math.ceil(delay / 1000);
    setStatus('reconnecting', `${why}; reconnecting in ${left}s`);
    clearInterval(countdown);
    countdown = setInterval(() => {
      left = Math.max(0, left - 1);
      setStatus('reconnecting', `${why}; reconnecting in ${left}s`);
    }, 1000);
    clearTimeout(retryTimer);
    retryTimer = setTimeout(() => { clearInterval(countdown); connect(); }, delay);
  }

  window.addEventListener('online', () => {
    if (!ws) { attempt = 0; clearTimeout(retryTimer); clearInterval(countdown); connect(); }
  });
  connect();
  return {
    send(frame) {
      if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(frame));
    },
  };
}
