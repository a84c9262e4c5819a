// wss-hub market page: a table of symbols, each a market:<SYMBOL> channel on the tab's one /ws socket
// (wss-hub.js: backoff with jitter, every channel subscribed again after a reconnect), kept in local storage.
// All text is set with textContent.
import {Hub} from './js/wss-hub.js';
import {statusPill} from './live-socket.js';

{
  const SYMBOL = /^[A-Z][A-Z0-9.]{0,11}$/;   // the server's rule
  const KEY = 'wsshub.market.symbols';
  const $ = (id) => document.getElementById(id);
  const rows = new Map();                  // symbol -> {tr, seq, sub}
  const hub = new Hub(`wss://${location.host}/ws`);
  statusPill(hub);

  function saved() {
    try {
      const list = JSON.parse(localStorage.getItem(KEY) || '["ACME","GLOBX","INITECH"]');
      return Array.isArray(list) ? list.filter((s) => typeof s === 'string' && SYMBOL.test(s)) : [];
    } catch (e) {
      return [];
    }
  }

  function save() {
    localStorage.setItem(KEY, JSON.stringify([...rows.keys()]));
  }

  function notice(text) {
    $('notice').textContent = text;
    $('notice').hidden = !text;
  }

  function cell(tr, name) {
    return tr.querySelector(`.${name}`);
  }

  function row(symbol) {
    if (rows.has(symbol)) return rows.get(symbol);
    const tr = document.createElement('tr');
    tr.dataset.symbol = symbol;
    for (const name of ['symbol', 'price', 'change', 'time', 'remove']) {
      const td = document.createElement(name === 'symbol' ? 'th' : 'td');
      if (name === 'symbol') td.scope = 'row';
      td.className = name;
      tr.appendChild(td);
    }
    cell(tr, 'symbol').textContent = symbol;
    cell(tr, 'price').textContent = '…';
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = 'Remove';
    b.setAttribute('aria-label', `Remove ${symbol}`);
    b.addEventListener('click', () => remove(symbol));
    cell(tr, 'remove').appendChild(b);
    $('rows').appendChild(tr);
    const r = {tr, seq: 0, sub: null};
    rows.set(symbol, r);
    r.sub = hub.subscribe(`market:${symbol}`, {
      onSubscribed: () => { r.seq = 0; }, // a new subscription starts from its snapshot (onQuote next)
      onQuote: show,
      onError(e) {
        if (r.sub.state === 'failed') { // unknown_symbol, too_many_channels: it will not work later either
          r.tr.remove();
          rows.delete(symbol);
          save();
        }
        notice(`${e.message}: ${symbol} (${e.code})`);
      },
    });
    return r;
  }

  // A quote or a snapshot entry: price, change with its sign (and colour), time; a seq jump says ticks were skipped.
  function show(q) {
    const r = rows.get(q.symbol);
    if (!r || q.seq <= r.seq) return;
    const skipped = r.seq > 0 && q.seq > r.seq + 1;
    r.seq = q.seq;
    const change = Number(q.change);
    const dir = change > 0 ? 'up' : change < 0 ? 'down' : 'flat';
    r.tr.dataset.direction = dir;
    r.tr.dataset.seq = String(q.seq);
    cell(r.tr, 'price').textContent = q.price;
    if (skipped) {
      const hint = document.createElement('span');
      hint.className = 'skipped';
      hint.title = `seq jumped to ${q.seq}: only the newest quote was sent`;
      hint.textContent = ' skipped';
      cell(r.tr, 'price').appendChild(hint);
    }
    const sign = change > 0 ? '▲ +' : change < 0 ? '▼ ' : '• ';
    cell(r.tr, 'change').textContent = sign + q.change;
    cell(r.tr, 'time').textContent = new Date(q.ts).toLocaleTimeString([], {hour: '2-digit', minute: '2-digit', second: '2-digit'});
  }

  function add(symbol) {
    if (!SYMBOL.test(symbol)) {
      notice(`"${symbol}" is not a symbol: 1 to 12 capital letters, digits or ".", starting with a letter`);
      return;
    }
    notice('');
    if (rows.has(symbol)) return;
    row(symbol);
    save();
  }

  function remove(symbol) {
    const r = rows.get(symbol);
    if (!r) return;
    r.tr.remove();
    rows.delete(symbol);
    save();
    r.sub.unsubscribe();
  }

  $('add').addEventListener('submit', (e) => {
    e.preventDefault();
    add($('symbol').value.trim().toUpperCase());
    $('symbol').value = '';
  });

  saved().forEach((s) => row(s));
}
