// wss-hub.js: the client library of wss-hub's /ws endpoint (docs/protocol.md). One ES module, no dependency,
// the same file in the npm package (client/) and at /js/wss-hub.js on every wss-hub server. Browsers and Node 18+.
//
// What it does for you: one socket for many channels; reconnects with exponential backoff and full jitter (a 1012
// restart within a second, a policy close 1008 not at all); resumes every channel with since/epoch so each
// message reaches onMessage once and in id order; retries a publish with its original clientId until the echo
// acknowledges it (the server de-duplicates); paces what it sends under the server's rate limit; pings a quiet
// socket and replaces it when nothing answers; negotiates wsshub.batch.
const BATCH = 'wsshub.batch';
/** Publish errors worth retrying (the server stored nothing; try again later). */
const RETRYABLE = new Set(['rate_limited', 'unavailable', 'not_subscribed']);
const DEFAULTS = {
  batch: true,
  backoffBaseMs: 500,
  backoffCapMs: 20000,
  pingAfterMs: 20000,      // silence before a ping
  pongTimeoutMs: 5000,     // silence after the ping before the socket counts as dead
  connectTimeoutMs: 10000, // from the socket's creation to the server's connected frame
  stableMs: 10000,         // a connection that lasted this long resets the backoff
  maxPending: 1000,        // unacknowledged publishes per subscription
};

/**
 * The delay before reconnect attempt n (0-based): full jitter, uniform in [0, min(cap, base * 2^n)).
 * @param {number} attempt
 * @param {number} [baseMs]
 * @param {number} [capMs]
 * @param {() => number} [random]
 */
export function backoffDelay(attempt, baseMs = DEFAULTS.backoffBaseMs, capMs = DEFAULTS.backoffCapMs,
                             random = Math.random) {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}

function hubError(code, message) {
  const e = new Error(message || code);
  e.code = code;
  return e;
}

let clientIds = 0;
function newClientId() {
  const rnd = Math.random().toString(36).slice(2, 10);
  return `c-${Date.now().toString(36)}-${rnd}-${++clientIds}`;
}

export class Hub {
  /**
   * @param {string} url  wss://host:port/ws
   * @param {object} [options] see wss-hub.d.ts
   */
  constructor(url, options = {}) {
    this.url = url;
    this.options = {...DEFAULTS, ...options};
    this.WebSocket = options.WebSocket || globalThis.WebSocket;
    if (!this.WebSocket) {
      throw new Error('no WebSocket: pass one (in Node 18-21: the ws package) as options.WebSocket');
    }
    this.user = null;
    this.limits = null;
    this.state = 'connecting';
    this._subs = new Map();       // channel -> Subscription
    this._listeners = new Map();  // event -> Set of functions
    this._ws = null;
    this._attempt = 0;
    this._retryTimer = null;
    this._tick = null;
    this._out = [];               // frames waiting for a send token
    this._tokens = 0;
    this._tokensAt = 0;
    this._pumpTimer = null;
    this._onOnline = () => this._online();
    if (typeof globalThis.addEventListener === 'function') {
      globalThis.addEventListener('online', this._onOnline);
    }
    // after the constructor returns, so that listeners added right after it see 'connecting'
    queueMicrotask(() => { if (this.state !== 'closed') this._connect(); });
  }

  /** The subprotocol the server accepted ('wsshub.batch' when batching), or '' (also while not connected). */
  get protocol() {
    return (this._ws && this._ws.protocol) || '';
  }

  /** The subscription of a channel, or undefined. */
  subscription(channel) {
    return this._subs.get(channel);
  }

  /**
   * Listens to 'status' ({state, delayMs, code, reason, user}) or 'error' (an error frame about no channel).
   * @returns {() => void} a function that removes the listener
   */
  on(event, fn) {
    if (!this._listeners.has(event)) this._listeners.set(event, new Set());
    this._listeners.get(event).add(fn);
    return () => this._listeners.get(event).delete(fn);
  }

  _emit(event, value) {
    for (const fn of this._listeners.get(event) || []) {
      try { fn(value); } catch (e) { setTimeout(() => { throw e; }); }
    }
  }

  _status(state, extra = {}) {
    this.state = state;
    const s = {state, ...extra};
    if (this.user) s.user = this.user;
    this._emit('status', s);
  }

  /**
   * Subscribes to a channel (chat:room, dm:a,b, user:me, market:SYM, a team namespace). Kept across reconnects
   * until sub.unsubscribe() or hub.close().
   */
  subscribe(channel, handlers = {}) {
    if (this.state === 'closed') throw hubError('closed', 'the hub is closed');
    if (typeof channel !== 'string' || !channel.includes(':')) {
      throw hubError('invalid_channel', 'a channel is namespace:name');
    }
    if (this._subs.has(channel)) throw hubError('already_subscribed', `already subscribed to ${channel}`);
    const sub = new Subscription(this, channel, handlers);
    this._subs.set(channel, sub);
    if (this._ready()) sub._sendSubscribe();
    return sub;
  }

  /** Closes the socket for good: no reconnect, every unacknowledged publish rejects with code 'closed'. */
  close() {
    if (this.state === 'closed') return;
    for (const sub of [...this._subs.values()]) sub._end(hubError('closed', 'the hub was closed'));
    this._subs.clear();
    this._stop(1000, 'closed by the client');
    if (typeof globalThis.removeEventListener === 'function') {
      globalThis.removeEventListener('online', this._onOnline);
    }
    this._status('closed', {code: 1000, reason: 'closed by the client'});
  }

  // ---- the socket --------------------------------------------------------------------------------------------

  _ready() {
    return this.state === 'connected';
  }

  _connect() {
    clearTimeout(this._retryTimer);
    this._retryTimer = null;
    this._status('connecting', {attempt: this._attempt});
    const protocols = this.options.batch ? [BATCH] : undefined;
    let socket;
    try {
      socket = this.options.wsOptions !== undefined
        ? new this.WebSocket(this.url, protocols, this.options.wsOptions)
        : new this.WebSocket(this.url, protocols);
    } catch (e) {
      this._dropped(1006, String(e && e.message || e));
      return;
    }
    this._ws = socket;
    this._openedAt = Date.now();
    this._heardAt = Date.now();
    this._pingAt = 0;
    this._connectedAt = 0;
    this._failure = null;
    socket.onmessage = (ev) => {
      if (this._ws !== socket) return;
      this._heardAt = Date.now();
      this._pingAt = 0;
      let data;
      try { data = JSON.parse(typeof ev.data === 'string' ? ev.data : String(ev.data)); } catch (e) { return; }
      const frames = Array.isArray(data) ? data : [data];
      for (const f of frames) {
        if (this._ws !== socket) return; // a frame's handler closed it
        this._frame(f);
      }
    };
    socket.onerror = (ev) => {
      if (this._ws !== socket) return;
      // Node's ws says why a handshake failed ("Unexpected server response: 401"); a browser does not.
      const m = /Unexpected server response: (\d+)/.exec(ev && (ev.message || (ev.error && ev.error.message)) || '');
      if (m) this._failure = Number(m[1]);
    };
    socket.onclose = (ev) => {
      if (this._ws !== socket) return;
      this._dropped(ev.code, ev.reason || '');
    };
    clearInterval(this._tick);
    const every = Math.max(50, Math.min(1000, this.options.pongTimeoutMs / 2, this.options.pingAfterMs / 2));
    this._tick = setInterval(() => this._check(), every);
  }

  /** Liveness: a ping after pingAfterMs of silence, a new socket after pongTimeoutMs more. */
  _check() {
    const now = Date.now();
    if (!this._ws) return;
    if (!this._connectedAt) {
      if (now - this._openedAt > this.options.connectTimeoutMs) this._replace('no connected frame in time');
      return;
    }
    if (this._pingAt) {
      if (now - this._pingAt > this.options.pongTimeoutMs) this._replace('no answer to a ping');
    } else if (now - this._heardAt > this.options.pingAfterMs) {
      this._pingAt = now;
      this._sendNow({type: 'ping'});
    }
  }

  /** The socket is dead or useless: drop it without waiting for a close handshake, and reconnect (as a 1006). */
  _replace(reason) {
    const socket = this._ws;
    this._detach();
    try {
      if (typeof socket.terminate === 'function') socket.terminate(); else socket.close(1000, reason);
    } catch (e) { /* already closed */ }
    this._dropped(1006, reason);
  }

  _detach() {
    const socket = this._ws;
    this._ws = null;
    clearInterval(this._tick);
    this._tick = null;
    clearTimeout(this._pumpTimer);
    this._pumpTimer = null;
    this._out = [];
    if (socket) {
      socket.onmessage = socket.onclose = socket.onopen = null;
      // keep an error listener: Node's ws reports an aborted handshake as an 'error' event, fatal unheard
      socket.onerror = () => {};
    }
  }

  _stop(code, reason) {
    const socket = this._ws;
    this._detach();
    clearTimeout(this._retryTimer);
    this._retryTimer = null;
    if (socket) {
      try { socket.close(code, reason); } catch (e) { /* closing already */ }
    }
  }

  _dropped(code, reason) {
    const lasted = this._connectedAt ? Date.now() - this._connectedAt : 0;
    this._detach();
    if (this.state === 'closed') return;
    for (const sub of this._subs.values()) sub._disconnected();
    if (code === 1008 || this._failure === 401 || this._failure === 403) {
      // refused by policy (logged out, disconnected by an operator, no credentials): retrying would not help
      const why = this._failure ? `handshake refused (HTTP ${this._failure})` : reason;
      for (const sub of [...this._subs.values()]) sub._end(hubError('closed', why));
      this._subs.clear();
      this._status('closed', {code: 1008, reason: why});
      return;
    }
    if (lasted >= this.options.stableMs) this._attempt = 0;
    let delayMs;
    if (code === 1012 || code === 1001) {
      delayMs = Math.floor(Math.random() * 1000); // a restart: another node is ready now
      this._attempt = 0;
    } else {
      delayMs = backoffDelay(this._attempt, this.options.backoffBaseMs, this.options.backoffCapMs);
      this._attempt++;
    }
    this._status('reconnecting', {delayMs, code, reason});
    this._retryTimer = setTimeout(() => this._connect(), delayMs);
  }

  /** The page came back online: reconnect now if waiting, else make sure the socket still answers. */
  _online() {
    if (this.state === 'reconnecting') {
      this._attempt = 0;
      this._connect();
    } else if (this.state === 'connected' && !this._pingAt) {
      this._pingAt = Date.now();
      this._sendNow({type: 'ping'});
    }
  }

  // ---- sending, paced under the server's rate limit ----------------------------------------------------------

  _send(frame) {
    if (!this._ws) return;
    this._out.push(frame);
    this._pump();
  }

  _sendNow(frame) {
    if (this._ws) {
      try { this._ws.send(JSON.stringify(frame)); } catch (e) { /* the close follows */ }
    }
  }

  _pump() {
    if (this._pumpTimer || !this._ws) return;
    const rate = Math.max(1, ((this.limits && this.limits.ratePerSecond) || 20) * 0.9);
    const burst = Math.max(1, Math.min(30, rate * 1.5));
    const now = Date.now();
    this._tokens = Math.min(burst, this._tokens + (now - this._tokensAt) * rate / 1000);
    this._tokensAt = now;
    while (this._out.length && this._tokens >= 1) {
      this._tokens -= 1;
      this._sendNow(this._out.shift());
    }
    if (this._out.length) {
      this._pumpTimer = setTimeout(() => { this._pumpTimer = null; this._pump(); },
        Math.ceil((1 - this._tokens) * 1000 / rate));
    }
  }

  // ---- frames from the server --------------------------------------------------------------------------------

  _frame(f) {
    if (!f || typeof f.type !== 'string') return;
    if (f.type === 'connected') {
      this.user = f.user;
      this.limits = f.limits || null;
      this._connectedAt = Date.now();
      this._tokens = Math.min(30, ((this.limits && this.limits.ratePerSecond) || 20) * 1.35);
      this._tokensAt = Date.now();
      this._status('connected');
      for (const sub of this._subs.values()) sub._sendSubscribe();
      return;
    }
    if (f.type === 'pong') return;
    const sub = f.channel !== undefined ? this._subs.get(f.channel) : undefined;
    if (f.type === 'error' && !sub) {
      this._emit('error', f);
      return;
    }
    if (sub) sub._frame(f);
  }
}

export class Subscription {
  constructor(hub, channel, handlers) {
    this.hub = hub;
    this.channel = channel;
    this.handlers = handlers;
    /** 'subscribing' | 'subscribed' | 'unsubscribed' | 'failed' */
    this.state = 'subscribing';
    this.lastId = null;       // newest message id seen (chat-like channels)
    this.epoch = null;
    this._quoteSeq = null;
    this._pending = new Map(); // clientId -> {text, resolve, reject, attempts, timer, sent}
    this._retryTimer = null;
    this._subAttempt = 0;
  }

  /**
   * Publishes text; resolves with the stored message once its echo arrives, rejects with an Error whose .code is
   * the server's (forbidden, invalid_text, …). Retried with the same clientId across reconnects and after
   * rate_limited / unavailable, so it is stored once.
   */
  publish(text, options = {}) {
    if (this.state === 'unsubscribed' || this.state === 'failed') {
      return Promise.reject(hubError(this.state === 'failed' ? 'not_subscribed' : 'unsubscribed',
        `not subscribed to ${this.channel}`));
    }
    if (this._pending.size >= this.hub.options.maxPending) {
      return Promise.reject(hubError('too_many_pending', 'too many unacknowledged publishes'));
    }
    const clientId = options.clientId || newClientId();
    return new Promise((resolve, reject) => {
      const p = {text, clientId, resolve, reject, attempts: 0, timer: null};
      this._pending.set(clientId, p);
      if (this.state === 'subscribed' && this.hub._ready()) this._sendPublish(p);
    });
  }

  /** Ends the subscription: nothing more of the channel reaches the handlers; unacknowledged publishes reject. */
  unsubscribe() {
    if (this.state === 'unsubscribed') return;
    const wasActive = this.state !== 'failed';
    this._end(hubError('unsubscribed', `unsubscribed from ${this.channel}`));
    if (this.hub._subs.get(this.channel) === this) this.hub._subs.delete(this.channel);
    if (wasActive && this.hub._ready()) this.hub._send({type: 'unsubscribe', channel: this.channel});
  }

  _end(error, state = 'unsubscribed') {
    this.state = state;
    clearTimeout(this._retryTimer);
    for (const p of this._pending.values()) {
      clearTimeout(p.timer);
      p.reject(error);
    }
    this._pending.clear();
  }

  _call(name, value) {
    const fn = this.handlers[name];
    if (typeof fn === 'function') {
      try { fn.call(this.handlers, value, this); } catch (e) { setTimeout(() => { throw e; }); }
    }
  }

  _sendSubscribe() {
    if (this.state === 'unsubscribed' || this.state === 'failed') return;
    this.state = 'subscribing';
    clearTimeout(this._retryTimer);
    const f = {type: 'subscribe', channel: this.channel};
    if (this.lastId !== null && this.epoch !== null) {
      f.since = this.lastId;
      f.epoch = this.epoch;
    }
    this.hub._send(f);
  }

  _sendPublish(p) {
    clearTimeout(p.timer);
    p.timer = null;
    p.attempts++;
    this.hub._send({type: 'publish', channel: this.channel, text: p.text, clientId: p.clientId});
  }

  _disconnected() {
    if (this.state === 'subscribed') this.state = 'subscribing';
    clearTimeout(this._retryTimer);
    for (const p of this._pending.values()) {
      clearTimeout(p.timer); // re-sent after the next subscribed
      p.timer = null;
    }
  }

  _frame(f) {
    switch (f.type) {
      case 'subscribed': return this._subscribed(f);
      case 'message': if (this.state === 'subscribed') this._message(f); return;
      case 'presence': if (this.state === 'subscribed') this._call('onPresence', f); return;
      case 'quote': if (this.state === 'subscribed') this._quote(f); return;
      case 'unsubscribed':
        if (f.reason && this.state !== 'unsubscribed' && this.state !== 'failed') {
          this.state = 'subscribing';
          this._sendSubscribe(); // resync: resume from where we are
        }
        return;
      case 'error': return this._error(f);
      default: return;
    }
  }

  _subscribed(s) {
    if (this.state === 'unsubscribed' || this.state === 'failed') return;
    const resumed = this.lastId !== null;
    this.state = 'subscribed';
    this._subAttempt = 0;
    if (s.quote) {
      this._quoteSeq = null;
      this._call('onSubscribed', s);
      this._quote(s.quote);
    } else {
      const history = Array.isArray(s.history) ? s.history : [];
      if (resumed && s.recovered === true && s.epoch === this.epoch) {
        for (const m of history) this._message(m); // what was missed, in order, once
      } else {
        for (const m of history) this._settle(m); // an acknowledgement may be in there
        if (resumed) {
          this.epoch = s.epoch;
          this.lastId = s.lastId;
          this._call('onReset', s);
        }
      }
      this.epoch = s.epoch;
      this.lastId = Math.max(this.lastId === null ? 0 : this.lastId, s.lastId || 0);
      this._call('onSubscribed', s);
    }
    for (const p of this._pending.values()) this._sendPublish(p); // unacknowledged: same clientId
  }

  /** Resolves the publish a message acknowledges (my echo, or the original of a retried clientId). */
  _settle(m) {
    if (m.clientId && m.from === this.hub.user) {
      const p = this._pending.get(m.clientId);
      if (p) {
        this._pending.delete(m.clientId);
        clearTimeout(p.timer);
        p.resolve(m);
      }
    }
  }

  _message(m) {
    this._settle(m);
    if (typeof m.id !== 'number' || (this.lastId !== null && m.id <= this.lastId)) return; // had it already
    this.lastId = m.id;
    this._call('onMessage', m);
  }

  _quote(q) {
    if (typeof q.seq === 'number' && this._quoteSeq !== null && q.seq <= this._quoteSeq) return;
    if (typeof q.seq === 'number') this._quoteSeq = q.seq;
    this._call('onQuote', q);
  }

  _error(e) {
    const p = e.clientId ? this._pending.get(e.clientId) : undefined;
    if (p) {
      if (RETRYABLE.has(e.code)) {
        const delay = backoffDelay(p.attempts, this.hub.options.backoffBaseMs, this.hub.options.backoffCapMs);
        p.timer = setTimeout(() => {
          p.timer = null;
          if (this.state === 'subscribed' && this.hub._ready() && this._pending.get(p.clientId) === p) {
            this._sendPublish(p);
          }
        }, Math.max(100, delay));
      } else {
        this._pending.delete(e.clientId);
        p.reject(hubError(e.code, e.message));
      }
      this._call('onError', e);
      return;
    }
    if (this.state === 'subscribing') {
      if (e.code === 'rate_limited' || e.code === 'unavailable') {
        const delay = backoffDelay(this._subAttempt++, this.hub.options.backoffBaseMs, this.hub.options.backoffCapMs);
        this._retryTimer = setTimeout(() => { if (this.hub._ready()) this._sendSubscribe(); }, Math.max(100, delay));
      } else { // forbidden, invalid_channel, too_many_channels, unknown_symbol: it will not work later either
        if (this.hub._subs.get(this.channel) === this) this.hub._subs.delete(this.channel);
        this._end(hubError(e.code, e.message), 'failed');
      }
    }
    this._call('onError', e);
  }
}
