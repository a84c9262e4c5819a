// The library against a real wss-hub (started by the Maven build: ClientLibraryIT runs this file with
// WSSHUB_PORT, WSSHUB_CA and WSSHUB_PASSWORD). Connections that must fail go through a TCP proxy the test
// controls, so a "killed connection" is a real TCP reset and a "silent" one a real blackhole.
import test, {afterEach} from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import fs from 'node:fs';
import https from 'node:https';
import WebSocket from 'ws';
import {Hub, backoffDelay} from '../wss-hub.js';

const PORT = Number(process.env.WSSHUB_PORT || 9443);
const CA = process.env.WSSHUB_CA ? fs.readFileSync(process.env.WSSHUB_CA) : undefined;
const PASSWORD = process.env.WSSHUB_PASSWORD || 'demo-pass';
const TIMEOUT = 20000;
const uid = () => Math.random().toString(36).slice(2, 10);

function basic(user, password = PASSWORD) {
  return 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');
}

const opened = new Set(); // hubs and proxies a test opened: closed after it, passed or failed

function hub(user, {port = PORT, password, ...options} = {}) {
  const h = new Hub(`wss://localhost:${port}/ws`, {
    WebSocket,
    wsOptions: {headers: {Authorization: basic(user, password)}, ca: CA},
    ...options,
  });
  opened.add(h);
  return h;
}

afterEach(() => {
  for (const o of opened) o.close();
  opened.clear();
});

/** Waits until fn() is truthy (checked every 20 ms), failing after TIMEOUT with what was expected. */
async function until(fn, what, timeout = TIMEOUT) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function statuses(h) {
  const list = [];
  h.on('status', (s) => list.push(s));
  return list;
}

/** Subscribes and records what the handlers see; resolves once subscribed. */
async function recorder(h, channel) {
  const r = {messages: [], presence: [], quotes: [], subscribed: [], resets: [], errors: []};
  r.sub = h.subscribe(channel, {
    onMessage: (m) => r.messages.push(m),
    onPresence: (p) => r.presence.push(p),
    onQuote: (q) => r.quotes.push(q),
    onSubscribed: (s) => r.subscribed.push(s),
    onReset: (s) => r.resets.push(s),
    onError: (e) => r.errors.push(e),
  });
  await until(() => r.subscribed.length > 0 || r.errors.length > 0, `the answer to subscribe ${channel}`);
  return r;
}

/** Cuts the hub's connection for real and keeps the server unreachable until px.refuse(false). */
async function cutOff(px, seen) {
  px.refuse(true);
  px.kill();
  await until(() => seen.some((s) => s.state === 'reconnecting'), 'reconnecting');
}

function assertOnceInOrder(messages, texts) {
  assert.deepEqual(messages.map((m) => m.text), texts);
  for (let i = 1; i < messages.length; i++) {
    assert.equal(messages[i].id, messages[i - 1].id + 1, `ids consecutive: ${messages.map((m) => m.id)}`);
  }
}

function request(method, path, user, body) {
  return new Promise((resolve, reject) => {
    const req = https.request({host: 'localhost', port: PORT, path, method, ca: CA,
      headers: {Authorization: basic(user), 'Content-Type': 'application/json'}}, (res) => {
      let data = '';
      res.on('data', (c) => { data += c; });
      res.on('end', () => resolve({status: res.statusCode, body: data ? JSON.parse(data) : null}));
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/**
 * A TCP proxy in front of the server: kill() resets every connection through it, refuse(true) resets new ones at
 * once, blackhole() stops forwarding (the sockets stay open: a dead link). connections counts what came in.
 */
async function proxy() {
  const pairs = new Set();
  const p = {connections: 0, refusing: false, silent: false, silentDown: false};
  const server = net.createServer((client) => {
    p.connections++;
    if (p.refusing) {
      client.resetAndDestroy ? client.resetAndDestroy() : client.destroy();
      return;
    }
    const upstream = net.connect(PORT, 'localhost');
    const pair = {client, upstream};
    pairs.add(pair);
    client.on('data', (d) => { if (!p.silent) upstream.write(d); });
    upstream.on('data', (d) => { if (!p.silent && !p.silentDown) client.write(d); });
    const end = () => { pairs.delete(pair); client.destroy(); upstream.destroy(); };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  opened.add(p);
  p.port = server.address().port;
  p.kill = () => {
    for (const {client, upstream} of pairs) {
      client.resetAndDestroy ? client.resetAndDestroy() : client.destroy();
      upstream.destroy();
    }
    pairs.clear();
  };
  p.refuse = (on) => { p.refusing = on; };
  p.blackhole = (on) => { p.silent = on; };
  /** Drops what the server sends; what the client sends still arrives. */
  p.deafen = (on) => { p.silentDown = on; };
  p.close = () => { p.kill(); server.close(); };
  return p;
}

test('backoff is full jitter under min(cap, base * 2^attempt)', () => {
  assert.equal(backoffDelay(0, 500, 20000, () => 0), 0);
  assert.equal(backoffDelay(0, 500, 20000, () => 0.999999), 499);
  assert.equal(backoffDelay(3, 500, 20000, () => 0.999999), 3999);
  assert.equal(backoffDelay(10, 500, 20000, () => 0.999999), 19999);
  assert.equal(backoffDelay(1000, 500, 20000, () => 0.999999), 19999);
  for (let i = 0; i < 1000; i++) {
    const d = backoffDelay(i % 8);
    assert.ok(d >= 0 && d < Math.min(20000, 500 * 2 ** (i % 8)));
  }
});

test('connected: the user, batching negotiated, a publish resolves with its stored message', async () => {
  const alice = hub('alice');
  const seen = statuses(alice);
  const room = `chat:lib-${uid()}`;
  const r = await recorder(alice, room);
  assert.equal(alice.user, 'alice');
  assert.equal(alice.protocol, 'wsshub.batch');
  assert.equal(seen.find((s) => s.state === 'connected').user, 'alice');
  assert.deepEqual(r.subscribed[0].history, []);
  const m = await alice.subscription(room).publish('hello');
  assert.equal(m.from, 'alice');
  assert.equal(m.text, 'hello');
  assert.equal(typeof m.id, 'number');
  await until(() => r.messages.length === 1, 'the message');
  assert.equal(r.messages[0].id, m.id);
  alice.close();
  assert.equal(alice.state, 'closed');
});

test('a forbidden subscribe fails that subscription only; a forbidden publish rejects with its code', async () => {
  const alice = hub('alice');
  const dm = await recorder(alice, 'dm:bob,carol');
  assert.equal(dm.errors[0].code, 'forbidden');
  assert.equal(dm.sub.state, 'failed');
  const mine = await recorder(alice, 'user:alice');
  assert.equal(mine.sub.state, 'subscribed');
  await assert.rejects(mine.sub.publish('to myself'), (e) => e.code === 'forbidden');
  const bad = await recorder(alice, 'nope:x');
  assert.equal(bad.errors[0].code, 'invalid_channel');
  const room = await recorder(alice, `chat:lib-${uid()}`);
  await assert.rejects(room.sub.publish(''), (e) => e.code === 'invalid_text');
  assert.ok((await room.sub.publish('still fine')).id > 0);
  alice.close();
});

test('after a killed TCP connection every channel resumes: each message once, in id order', async () => {
  const px = await proxy();
  const alice = hub('alice', {port: px.port, backoffBaseMs: 100, backoffCapMs: 500});
  const bob = hub('bob');
  const seen = statuses(alice);
  const a = `lib-${uid()}`;
  const channels = [`chat:${a}-1`, `chat:${a}-2`, 'dm:alice,bob'];
  const got = {};
  const pub = {};
  for (const c of channels) {
    got[c] = await recorder(alice, c);
    pub[c] = await recorder(bob, c);
  }
  const before = Object.fromEntries(channels.map((c) => [c, got[c].messages.length]));
  const sent = Object.fromEntries(channels.map((c) => [c, []]));
  const send = async (c, text) => { sent[c].push(text); await pub[c].sub.publish(text); };
  for (const c of channels) for (let i = 0; i < 3; i++) await send(c, `before ${i}`);
  await until(() => channels.every((c) => got[c].messages.length - before[c] === 3), 'the first messages');

  await cutOff(px, seen);
  for (const c of channels) for (let i = 0; i < 5; i++) await send(c, `away ${i}`);
  px.refuse(false);
  await until(() => seen.filter((s) => s.state === 'connected').length >= 2, 'connected again');
  for (const c of channels) for (let i = 0; i < 2; i++) await send(c, `after ${i}`);
  await until(() => channels.every((c) => got[c].messages.length - before[c] === 10), 'every message');

  for (const c of channels) {
    assertOnceInOrder(got[c].messages.slice(before[c]), sent[c]);
    assert.equal(got[c].resets.length, 0, 'recovered: no reset');
    assert.ok(got[c].subscribed.length >= 2, 'subscribed again');
    assert.equal(got[c].subscribed.at(-1).recovered, true);
  }
  alice.close();
  bob.close();
  px.close();
});

test('a publish made while offline is retried with its clientId and stored once', async () => {
  const px = await proxy();
  const alice = hub('alice', {port: px.port, backoffBaseMs: 100, backoffCapMs: 500});
  const seen = statuses(alice);
  const channel = `chat:lib-${uid()}`;
  const r = await recorder(alice, channel);
  await cutOff(px, seen);
  const pending = r.sub.publish('written offline', {clientId: `offline-${uid()}`});
  px.refuse(false);
  const m = await pending;
  assert.equal(m.text, 'written offline');
  const history = await request('GET', `/api/channels/${encodeURIComponent(channel)}/history`, 'feed');
  assert.equal(history.status, 200);
  assert.equal(history.body.messages.filter((x) => x.clientId === m.clientId).length, 1);
  await until(() => r.messages.length === 1, 'its echo');
  assert.equal(r.messages[0].id, m.id);
  alice.close();
  px.close();
});

test('an echo lost with the connection: the retry is acknowledged once, nothing is stored twice', async () => {
  const px = await proxy();
  const alice = hub('alice', {port: px.port, backoffBaseMs: 100, backoffCapMs: 500});
  const bob = hub('bob');
  const channel = `chat:lib-${uid()}`;
  const r = await recorder(alice, channel);
  const watcher = await recorder(bob, channel);
  // the server still hears alice but she hears nothing: her publish is stored, its echo never arrives
  const sockets = px.connections;
  px.deafen(true);
  const pending = r.sub.publish('echo lost');
  await until(() => watcher.messages.length === 1, 'bob sees it stored');
  px.kill();
  px.deafen(false);
  const m = await pending;
  assert.equal(m.id, watcher.messages[0].id);
  await until(() => r.messages.length === 1, 'alice has it');
  // a message after the retry reached both: anything the retry could have caused came before it
  await watcher.sub.publish('after the retry');
  await until(() => r.messages.length >= 2 && watcher.messages.length >= 2, 'the later message');
  assert.deepEqual(r.messages.map((x) => x.text), ['echo lost', 'after the retry'], 'once for alice');
  assert.deepEqual(watcher.messages.map((x) => x.text), ['echo lost', 'after the retry'],
    'once for bob: the retry was not stored again');
  assert.ok(px.connections > sockets, 'alice reconnected');
  alice.close();
  bob.close();
  px.close();
});

test('a socket that hears nothing is pinged and replaced when no pong follows', async () => {
  const px = await proxy();
  const alice = hub('alice', {port: px.port, pingAfterMs: 300, pongTimeoutMs: 600, backoffBaseMs: 100,
    backoffCapMs: 200});
  const seen = statuses(alice);
  const r = await recorder(alice, `chat:lib-${uid()}`);
  px.blackhole(true); // the TCP connection stays open; nothing crosses it
  await until(() => seen.some((s) => s.state === 'reconnecting' && /ping/.test(s.reason)), 'a dead socket noticed');
  px.blackhole(false);
  await until(() => seen.filter((s) => s.state === 'connected').length >= 2, 'connected again');
  await until(() => r.subscribed.length >= 2, 'subscribed again');
  alice.close();
  px.close();
});

test('reconnect delays stay within the backoff bounds while the server cannot be reached', async () => {
  const px = await proxy();
  px.refuse(true);
  const alice = hub('alice', {port: px.port, backoffBaseMs: 100, backoffCapMs: 400});
  const seen = statuses(alice);
  await until(() => seen.filter((s) => s.state === 'reconnecting').length >= 6, 'six attempts', 15000);
  const delays = seen.filter((s) => s.state === 'reconnecting').map((s) => s.delayMs);
  delays.forEach((d, n) => assert.ok(d >= 0 && d < Math.min(400, 100 * 2 ** n), `attempt ${n}: ${d} ms`));
  px.refuse(false);
  await until(() => alice.state === 'connected', 'connected once reachable');
  alice.close();
  px.close();
});

test('a policy close (an operator disconnect) ends the hub instead of reconnecting', async () => {
  const px = await proxy();
  const carol = hub('carol', {port: px.port, backoffBaseMs: 50, backoffCapMs: 100});
  const seen = statuses(carol);
  const r = await recorder(carol, `chat:lib-${uid()}`);
  const res = await request('POST', '/api/users/carol/disconnect', 'operator');
  assert.equal(res.status, 200);
  await until(() => carol.state === 'closed', 'closed');
  const closed = seen.at(-1);
  assert.equal(closed.code, 1008);
  assert.equal(closed.reason, 'disconnected');
  const connections = px.connections;
  await new Promise((res2) => setTimeout(res2, 1500)); // longer than any retry delay it could have used
  assert.equal(px.connections, connections, 'no reconnect');
  await assert.rejects(r.sub.publish('after'), (e) => e.code === 'unsubscribed' || e.code === 'closed');
  px.close();
});

test('wrong credentials close the hub with the handshake status instead of retrying', async () => {
  const stranger = hub(`nobody-${uid()}`, {password: 'wrong'}); // a name of its own: no lock-out of a demo user
  const seen = statuses(stranger);
  await until(() => stranger.state === 'closed', 'closed');
  assert.equal(seen.at(-1).code, 1008);
  assert.match(seen.at(-1).reason, /HTTP 401/);
  assert.equal(seen.filter((s) => s.state === 'connecting').length, 1);
});

test('a market channel: the snapshot, then newer quotes only', async () => {
  const alice = hub('alice');
  const r = await recorder(alice, 'market:ACME');
  assert.equal(r.subscribed[0].quote.symbol, 'ACME');
  await until(() => r.quotes.length >= 3, 'quotes from the simulated feed');
  assert.deepEqual(r.quotes[0], r.subscribed[0].quote, 'the snapshot is the first onQuote');
  for (let i = 1; i < r.quotes.length; i++) assert.ok(r.quotes[i].seq > r.quotes[i - 1].seq);
  const unknown = await recorder(alice, 'market:NOSUCH');
  assert.equal(unknown.errors[0].code, 'unknown_symbol');
  assert.equal(unknown.sub.state, 'failed');
});

test('presence reaches members; after unsubscribe nothing more arrives and publish rejects', async () => {
  const alice = hub('alice');
  const bob = hub('bob');
  const channel = `chat:lib-${uid()}`;
  const a = await recorder(alice, channel);
  assert.equal(a.subscribed[0].count, 1);
  const b = await recorder(bob, channel);
  await until(() => a.presence.some((p) => p.event === 'join' && p.user === 'bob'), 'bob joins');
  assert.equal(a.presence.at(-1).count, 2);
  a.sub.unsubscribe();
  assert.equal(a.sub.state, 'unsubscribed');
  await assert.rejects(a.sub.publish('gone'), (e) => e.code === 'unsubscribed');
  await until(() => b.presence.some((p) => p.event === 'leave' && p.user === 'alice'), 'alice leaves');
  await b.sub.publish('after alice left');
  await until(() => b.messages.length === 1, 'bob has it');
  assert.equal(a.messages.length, 0);
  assert.throws(() => bob.subscribe(channel), (e) => e.code === 'already_subscribed');
});

test('a hundred publishes at once are paced, all acknowledged, stored once and in order', async () => {
  const alice = hub('alice');
  const channel = `chat:lib-${uid()}`;
  const r = await recorder(alice, channel);
  const texts = Array.from({length: 100}, (_, i) => `burst ${i}`);
  const acks = await Promise.all(texts.map((t) => r.sub.publish(t)));
  assert.equal(new Set(acks.map((m) => m.id)).size, 100);
  await until(() => r.messages.length === 100, 'every message');
  assertOnceInOrder(r.messages, texts);
});

test('a page that comes back online reconnects at once instead of waiting out its backoff', async () => {
  // the browser's window events, in Node: the hub listens to globalThis's 'online'
  const events = new EventTarget();
  globalThis.addEventListener = events.addEventListener.bind(events);
  globalThis.removeEventListener = events.removeEventListener.bind(events);
  try {
    const px = await proxy();
    const alice = hub('alice', {port: px.port, backoffBaseMs: 30000, backoffCapMs: 30000});
    const seen = statuses(alice);
    await recorder(alice, `chat:lib-${uid()}`);
    await cutOff(px, seen);
    px.refuse(false);
    const waiting = seen.filter((s) => s.state === 'reconnecting').at(-1);
    const before = seen.length;
    events.dispatchEvent(new Event('online'));
    await until(() => alice.state === 'connected', 'connected', 5000);
    assert.ok(seen.slice(before).some((s) => s.state === 'connecting'),
      `reconnected on 'online', not after the ${waiting.delayMs} ms backoff`);
  } finally {
    delete globalThis.addEventListener;
    delete globalThis.removeEventListener;
  }
});
