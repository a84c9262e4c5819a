// One WebSocket to a wss-hub endpoint that stays connected: exponential backoff with jitter after a drop (a 1012
// "service restart" reconnects at once, with a little jitter: another node is ready), a reconnect when the
// browser comes back online, the login page after a logout, and what it is doing in the page's #status pill.
// Used by the market and game pages (the chat page keeps one socket per room, with resume, in chat.js).
'use strict';
window.liveSocket = (path, {onOpen, onFrame}) => {
  const CLOSE_WORDS = {
    1000: 'closed', 1001: 'the server is restarting', 1006: 'the connection was lost', 1008: 'refused by policy',
    1009: 'message too big', 1011: 'server error', 1012: 'the server is restarting',
    1013: 'server busy, try again later',
  };
  const status = document.getElementById('status');
  let ws = null;
  let attempt = 0;
  let retryTimer = null;
  let countdown = null;

  function setStatus(kind, text) {
    status.dataset.state = kind;
    status.textContent = text;
  }

  function connect() {
    setStatus('connecting', 'connecting…');
    const socket = new WebSocket(`wss://${location.host}${path}`);
    ws = socket;
    socket.onopen = () => {
      attempt = 0;
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
      if (ev.code === 1008 && /logged out/.test(ev.reason)) {
        location.href = 'login.html';
        return;
      }
      const words = CLOSE_WORDS[ev.code] || `closed (${ev.code})`;
      scheduleReconnect(`${words}${ev.reason ? ': ' + ev.reason : ''}`, ev.code === 1012);
    };
  }

  function scheduleReconnect(why, soon) {
    const delay = soon ? 250 + Math.random() * 750 : Math.min(30000, 500 * 2 ** attempt) * (0.5 + Math.random() / 2);
    attempt++;
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

  window.addEventListener('online', () => { if (!ws) { attempt = 0; clearTimeout(retryTimer); connect(); } });
  connect();
  return {
    /** Sends a frame if the socket is open (a frame sent while reconnecting is dropped: onOpen re-sends state). */
    send(frame) {
      if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(frame));
    },
  };
};
