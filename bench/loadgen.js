'use strict';
// The load generator: the same code drives wss-hub and the reference peer. It opens authenticated wss://
// connections (TLS 1.3, the server certificate verified against the bench CA), publishes on a schedule fixed in
// advance (open loop: a late send is still stamped with the time it was due, so a stalled server cannot hide
// its stall by slowing the client down), and records publish-to-delivery latency of every receiving connection
// in an HdrHistogram. It also records its own CPU and how late it sent, and flags a run it could not keep up with.
//
// usage: node loadgen.js '<json config>'   (bench.js builds the config; result JSON on stdout)
const fs = require('fs');
const https = require('https');
const { WebSocket } = require('ws');
const hdr = require('hdr-histogram-js');

const cfg = { jcmd: 'jcmd', ...JSON.parse(process.argv[2]) }; // jcmd: of the JDK the server runs on
const tls = require('tls');
const ca = fs.readFileSync(cfg.ca);
// One TLS context for every connection: a `ca` option per connection would parse the CA into a fresh context on
// each connect, which costs the client more than the handshake itself.
const secureContext = tls.createSecureContext({ ca, minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3' });
const authorization = 'Basic ' + Buffer.from(cfg.auth).toString('base64');
const log = (...a) => process.stderr.write(`  [${cfg.label}] ${a.join(' ')}\n`);
const nowUs = () => performance.now() * 1000; // monotonic, shared by sender and receivers (same process)
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let sourceIndex = 0;

function histogram() {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3.6e9, numberOfSignificantValueDigits: 3 });
}

function summary(h) {
  const ms = (v) => Math.round(v / 10) / 100; // µs -> ms, 2 decimals
  return h.totalCount === 0 ? { count: 0 } : {
    count: h.totalCount, p50: ms(h.getValueAtPercentile(50)), p99: ms(h.getValueAtPercentile(99)),
    p999: ms(h.getValueAtPercentile(99.9)), max: ms(h.maxValue),
  };
}

/** CPU seconds (user + system) of a process, from /proc: the server's cost, measured outside it. */
function cpuSeconds(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

function selfCpuSeconds() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** Server CPU seconds: the sum over the server's processes (several nodes of a cluster, with cfg.pids). */
function serverCpuSeconds() {
  return (cfg.pids || [cfg.pid]).reduce((sum, pid) => sum + cpuSeconds(pid), 0);
}

/**
 * Context switches (voluntary + involuntary) of each thread of a process, by thread id: thread hand-offs show up
 * here. {@link switchesSince} counts a thread that started in between from zero; one that ended is lost (Liberty's
 * pool retires idle threads), so the figure is a lower bound.
 */
function contextSwitches(pid) {
  const byThread = new Map();
  for (const t of fs.readdirSync(`/proc/${pid}/task`)) {
    try {
      const m = /voluntary_ctxt_switches:\s+(\d+)\s+nonvoluntary_ctxt_switches:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/task/${t}/status`, 'utf8'));
      if (m) byThread.set(t, Number(m[1]) + Number(m[2]));
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return byThread;
}

function switchesSince(pid, before) {
  let n = 0;
  for (const [t, now] of contextSwitches(pid)) n += now - (before.get(t) || 0);
  return n;
}

let urlIndex = 0;

/**
 * A new authenticated TLS 1.3 WebSocket, from the next of the loopback source addresses; with cfg.urls (the nodes
 * of a cluster) the connections go to each node in turn, so every room has members on every node.
 */
function connect(path, options) {
  const base = cfg.urls ? cfg.urls[urlIndex++ % cfg.urls.length] : cfg.url;
  return new WebSocket(base + path, cfg.protocols || [], {
    secureContext, minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3', perMessageDeflate: false,
    headers: { Authorization: authorization, Origin: cfg.origin },
    localAddress: `127.0.0.${1 + (sourceIndex++ % (cfg.sources || 1))}`, ...options,
  });
}

/** Opens one authenticated connection; resolves when the server's first frame (welcome) has arrived. */
function open(path, onFrame, extra = {}) {
  return new Promise((resolve, reject) => {
    const ws = connect(path, { handshakeTimeout: 60000, skipUTF8Validation: true, ...extra });
    let welcomed = false;
    ws.on('message', (data) => {
      if (!welcomed) {
        welcomed = true;
        resolve(ws);
        return;
      }
      onFrame(data);
    });
    ws.on('unexpected-response', (req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.on('error', (e) => { if (!welcomed) reject(e); });
    ws.on('close', (code) => {
      if (!welcomed) reject(new Error(`closed ${code} before welcome`));
      else if (ws.onLostConnection) ws.onLostConnection(code);
    });
  });
}

async function openAll(paths, onFrame, concurrency) {
  const sockets = new Array(paths.length);
  let next = 0;
  async function worker() {
    while (next < paths.length) {
      const i = next++;
      sockets[i] = await open(paths[i], onFrame);
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  return sockets;
}

async function memory() {
  if (cfg.memory === 'http') {
    return new Promise((resolve, reject) => {
      https.get(`https://localhost:${cfg.port}/bench/memory`, { secureContext }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => {
          const m = JSON.parse(body);
          resolve({ rss: m.rss, heap: m.heapUsed });
        });
      }).on('error', reject);
    });
  }
  // A JVM: two full GCs, then the heap in use and the process RSS.
  jcmd('GC.run');
  jcmd('GC.run');
  const info = jcmd('GC.heap_info');
  // every generation or region set before Metaspace: "def new generation total 157248K, used 2345K", ...
  // (Java 25 prints G1 as "total reserved 2097152K, committed 393216K, used 12427K")
  const heapPart = info.split('Metaspace')[0];
  const used = [...heapPart.matchAll(/(?:total|committed) \d+K, used (\d+)K/g)].reduce((a, m) => a + Number(m[1]), 0);
  return { rss: rssOf(cfg.pid), heap: used * 1024 };
}

/** A jcmd command's output from the server's JVM (throws when it fails). */
function jcmd(...args) {
  return require('child_process').execFileSync(cfg.jcmd, [String(cfg.pid), ...args],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 << 20 });
}

/**
 * BENCH_PROFILE=/dir with BENCH_ASPROF=/path/to/asprof (async-profiler's launcher): an itimer profile of the server
 * over each fan-out step's measuring window, collapsed stacks in /dir. Started without waiting, so the send loop is
 * not held up (the launcher still takes a little of the load generator's core: such runs give profiles, not figures).
 */
function profile(...args) {
  if (!process.env.BENCH_PROFILE || !process.env.BENCH_ASPROF || cfg.memory !== 'jcmd') return;
  require('child_process').spawn(process.env.BENCH_ASPROF, [...args, String(cfg.pid)], { stdio: 'ignore' });
}

/** A jcmd command's output, or null when it fails (e.g. native memory tracking is off). */
function jcmdQuiet(...args) {
  try {
    return jcmd(...args);
  } catch {
    return null;
  }
}

function rssOf(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m[1]) * 1024;
}

// ---------------------------------------------------------------------------------------------- fan-out
const MARK = Buffer.from('"text":"b|');
const ERROR = Buffer.from('"type":"error"');

/**
 * The fan-out measurement shared by the scenarios: publishers send bench texts `b|step|due|…` on a fixed schedule
 * (open loop) and every receiver's frames go to onFrame (bytes) or onText (a decoded text, for Socket.IO), which
 * record publish-to-delivery latency per step, without decoding JSON.
 */
function meter() {
  const steps = [];
  let current = null;
  let errors = 0;
  let deliveredInWindow = 0;
  const closes = {};

  function record(t, step, intended) {
    const st = steps[step];
    if (!st) return;
    if (intended >= st.windowStart && intended < st.windowEnd) {
      st.hist.recordValue(Math.max(1, Math.round(t - intended)));
      st.received++;
    }
    if (current && t >= current.windowStart && t < current.windowEnd) deliveredInWindow++;
  }

  // Every frame that carries bench texts (one message, or an array of them when batching is negotiated).
  // Scans the bytes, no string or JSON decoding: the client's cost per message bounds what it can measure.
  function onFrame(data) {
    const t = nowUs();
    let i = data.indexOf(MARK);
    if (i < 0 && data.indexOf(ERROR) >= 0) errors++;
    while (i >= 0) {
      let j = i + MARK.length;
      let step = 0;
      let c;
      while ((c = data[j++]) !== 124) step = step * 10 + (c - 48);
      let intended = 0;
      while ((c = data[j++]) !== 124) intended = intended * 10 + (c - 48);
      record(t, step, intended);
      i = data.indexOf(MARK, j);
    }
  }

  /** A text a client library already decoded ("b|step|due|…"). */
  function onText(text) {
    const t = nowUs();
    if (!text.startsWith('b|')) return;
    const f = text.split('|', 3);
    record(t, Number(f[1]), Number(f[2]));
  }

  /**
   * Runs the rate steps: {@code senders[r](text)} publishes into room r, {@code perRoom} receivers get each
   * message. Stops at the first saturated step (unless warming up).
   */
  async function run(senders, perRoom, rates) {
    const rooms = senders.length;
    for (const target of rates) {
      const index = steps.length;
      const perSender = target / (rooms * perRoom); // messages per second per room
      const interval = 1e6 / perSender; // µs
      const start = Math.round(nowUs() + 20000);
      const windowStart = start + cfg.warmSeconds * 1e6; // whole µs, as the stamps are
      const windowEnd = windowStart + cfg.measureSeconds * 1e6;
      const st = current = { target, windowStart, windowEnd, hist: histogram(), lag: histogram(), sent: 0, received: 0 };
      steps.push(st);
      deliveredInWindow = 0;
      const next = senders.map((_, r) => start + (r * interval) / rooms);
      const pad = 'x'.repeat(200);
      let cpu0;
      let redis0;
      let self0;
      let switches0;
      let startedWindow = false;
      await new Promise((resolve) => {
        function tick() {
          const t = nowUs();
          if (!startedWindow && t >= windowStart) {
            startedWindow = true;
            cpu0 = serverCpuSeconds();
            redis0 = cfg.redisPid ? cpuSeconds(cfg.redisPid) : 0;
            self0 = selfCpuSeconds();
            switches0 = cfg.pids ? null : contextSwitches(cfg.pid);
            profile('start', '-e', 'itimer', '-i', '1ms');
          }
          let more = false;
          for (let r = 0; r < senders.length; r++) {
            while (next[r] <= t && next[r] < windowEnd) {
              const due = Math.round(next[r]);
              const head = `b|${index}|${due}|`;
              senders[r](head + pad.slice(0, Math.max(0, cfg.size - head.length)));
              st.lag.recordValue(Math.max(1, Math.round(t - due)));
              if (due >= windowStart && due < windowEnd) st.sent++; // the receivers count by the same rounded stamp
              next[r] += interval;
            }
            if (next[r] < windowEnd) more = true;
          }
          if (more) setTimeout(tick, 1);
          else resolve();
        }
        tick();
      });
      // Let the window end, then read the CPU figures before the drain.
      while (nowUs() < windowEnd) await sleep(1);
      const serverCpu = (serverCpuSeconds() - cpu0) / cfg.measureSeconds;
      const redisCpu = cfg.redisPid ? (cpuSeconds(cfg.redisPid) - redis0) / cfg.measureSeconds : null;
      const selfCpu = (selfCpuSeconds() - self0) / cfg.measureSeconds;
      const delivered = deliveredInWindow / cfg.measureSeconds;
      const switches = cfg.pids ? null : switchesSince(cfg.pid, switches0);
      profile('stop', '-o', 'collapsed', '-f', `${process.env.BENCH_PROFILE}/${cfg.label.replace(/\W+/g, '-')}-${process.pid}-${index}-${target}.collapsed`);
      const expected = st.sent * perRoom;
      // Drain: wait for what is in flight, stopping when nothing more arrives for 5 s.
      let last = -1;
      let quiet = nowUs();
      while (st.received < expected && nowUs() - quiet < 5e6 && nowUs() - windowEnd < 30e6) {
        if (st.received !== last) { last = st.received; quiet = nowUs(); }
        await sleep(20);
      }
      current = null;
      const lat = summary(st.hist);
      const lag = summary(st.lag);
      const lost = Object.values(closes).reduce((a, b) => a + b, 0);
      const result = {
        target, delivered: Math.round(delivered), expected, received: st.received, missing: expected - st.received,
        latencyMs: lat, sendLagMs: lag, serverCpu: round(serverCpu, 3),
        serverCpuUsPerMsg: round((serverCpu * cfg.measureSeconds * 1e6) / Math.max(1, deliveredInWindow), 2),
        ...(redisCpu == null ? {} : {
          redisCpu: round(redisCpu, 3),
          redisCpuUsPerMsg: round((redisCpu * cfg.measureSeconds * 1e6) / Math.max(1, deliveredInWindow), 2),
        }),
        ...(switches == null ? {} : { serverSwitchesPerMsg: round(switches / Math.max(1, deliveredInWindow), 3) }),
        loadgenCpu: round(selfCpu, 3), errors, closedConnections: lost,
        clientBound: selfCpu > 0.9 || lag.p99 > 5,
      };
      log(`target ${target}/s delivered ${result.delivered}/s p50 ${lat.p50} p99 ${lat.p99} max ${lat.max} ms,` +
        ` server ${Math.round(serverCpu * 100)}% (${result.serverCpuUsPerMsg} µs/msg${switches == null ? '' : `, ${result.serverSwitchesPerMsg} switches/msg`})` +
        `${redisCpu == null ? '' : `, redis ${Math.round(redisCpu * 100)}% (${result.redisCpuUsPerMsg} µs/msg)`}, loadgen ${Math.round(selfCpu * 100)}%` +
        `${result.missing ? `, MISSING ${result.missing}` : ''}${lost ? `, closed ${JSON.stringify(closes)}` : ''}` +
        `${result.clientBound ? ', CLIENT-BOUND' : ''}`);
      st.result = result;
      const saturated = result.missing > 0 || lost > 0 || delivered < 0.9 * target || lat.p99 > 1000;
      if (saturated && !cfg.warmUp) break;
      await sleep(500);
    }
    const results = steps.map((x) => x.result).filter(Boolean);
    const ok = results.filter((r) => r.latencyMs.p99 < 50 && r.missing === 0 && r.closedConnections === 0 && r.delivered >= 0.9 * r.target);
    return {
      steps: results,
      bestUnder50ms: ok.length ? ok[ok.length - 1].delivered : 0,
      saturation: Math.max(0, ...results.filter((r) => r.missing === 0).map((r) => r.delivered)),
    };
  }

  /** Counts a connection's unexpected close by code. */
  const lostConnection = (code) => { closes[code] = (closes[code] || 0) + 1; };
  return { onFrame, onText, run, lostConnection };
}

async function fanout() {
  const rooms = cfg.rooms;
  const perRoom = cfg.conns / rooms;
  const m = meter();
  const paths = [];
  for (let r = 0; r < rooms; r++) for (let k = 0; k < perRoom; k++) paths.push(`/ws/chat/${cfg.roomPrefix}-${r}`);
  const t0 = Date.now();
  const sockets = await openAll(paths, m.onFrame, 50);
  for (const ws of sockets) ws.onLostConnection = m.lostConnection;
  log(`${sockets.length} connections open in ${Date.now() - t0} ms`);
  await sleep(5000); // let the server finish what the connect burst left behind (GC, compilation)
  const senders = Array.from({ length: rooms }, (_, r) => (text) => {
    const ws = sockets[r * perRoom];
    if (ws.readyState === WebSocket.OPEN) ws.send(`{"type":"send","text":"${text}"}`);
  });
  const result = await m.run(senders, perRoom, cfg.rates);
  for (const ws of sockets) { ws.onLostConnection = null; ws.terminate(); }
  return result;
}

// ------------------------------------------------------------------------------------ users in many rooms
// cfg.users users, each in cfg.perUser of cfg.rooms rooms (user u is in rooms (u + j * rooms/perUser) % rooms, so
// every room has users * perUser / rooms members), over one of three transports (cfg.transport):
//   channels  wss-hub's /ws: one socket per user, a subscribe per room
//   sockets   a socket per user and room: wss-hub's /ws/chat/{room}, or the Node ws peer
//   socketio  one Socket.IO connection per user, rooms joined with one `join`
// Measured: the time for every user to connect and be in their rooms, server memory per user, fan-out at fixed
// rates (the first member of each room publishes into it), and the time for every user to reconnect.
function roomsOf(u) {
  const stride = cfg.rooms / cfg.perUser;
  return Array.from({ length: cfg.perUser }, (_, j) => (u + j * stride) % cfg.rooms);
}

const SUBSCRIBED = Buffer.from('"type":"subscribed"');

/** A wss connection that is ready once {@code ready(data)} has said so for its frames; later frames go to onFrame. */
function openReady(path, first, ready, onFrame) {
  return new Promise((resolve, reject) => {
    const ws = connect(path, { handshakeTimeout: 60000, skipUTF8Validation: true });
    let isReady = false;
    let frames = 0;
    ws.on('message', (data) => {
      if (isReady) { onFrame(data); return; }
      if (frames++ === 0) first(ws);
      if (ready(data)) { isReady = true; resolve(ws); }
    });
    ws.on('unexpected-response', (req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.on('error', (e) => { if (!isReady) reject(e); });
    ws.on('close', (code) => {
      if (!isReady) reject(new Error(`closed ${code} before ready`));
      else if (ws.onLostConnection) ws.onLostConnection(code);
    });
  });
}

/** One user over cfg.transport: connect() resolves once it is in all its rooms; publish(room, text); close(). */
function user(u, m) {
  const rooms = roomsOf(u);
  const name = (r) => `${cfg.roomPrefix}-${r}`;
  let sockets = [];
  let sio = null;
  return {
    rooms,
    async connect() {
      if (cfg.transport === 'channels') {
        let subscribed = 0;
        const ws = await openReady('/ws', (w) => {
          for (const r of rooms) w.send(`{"type":"subscribe","channel":"chat:${name(r)}"}`);
        }, (data) => {
          // one frame may be a batch of several subscribed answers (wsshub.batch)
          for (let i = data.indexOf(SUBSCRIBED); i >= 0; i = data.indexOf(SUBSCRIBED, i + 1)) subscribed++;
          return subscribed === rooms.length;
        }, m.onFrame);
        sockets = [ws];
      } else if (cfg.transport === 'sockets') {
        sockets = await Promise.all(rooms.map((r) => openReady(`/ws/chat/${name(r)}`, () => {}, () => true, m.onFrame)));
      } else {
        const { io } = require('socket.io-client');
        sio = io(cfg.url, {
          transports: ['websocket'], forceNew: true, reconnection: false, timeout: 60000,
          extraHeaders: { Authorization: authorization, Origin: cfg.origin }, ca, perMessageDeflate: false,
        });
        await new Promise((resolve, reject) => {
          sio.once('connect_error', reject);
          sio.once('connect', () => sio.emit('join', rooms.map(name), () => resolve()));
        });
        sio.on('message', (msg) => m.onText(msg.text));
        sio.on('disconnect', (reason) => { if (sio.onLost) sio.onLost(reason); });
      }
      for (const ws of sockets) ws.onLostConnection = m.lostConnection;
      if (sio) sio.onLost = m.lostConnection;
    },
    publish(r, text) {
      if (cfg.transport === 'channels') {
        if (sockets[0].readyState === WebSocket.OPEN) sockets[0].send(`{"type":"publish","channel":"chat:${name(r)}","text":"${text}"}`);
      } else if (cfg.transport === 'sockets') {
        const ws = sockets[rooms.indexOf(r)];
        if (ws.readyState === WebSocket.OPEN) ws.send(`{"type":"send","text":"${text}"}`);
      } else {
        sio.emit('send', { room: name(r), text });
      }
    },
    close() {
      for (const ws of sockets) { ws.onLostConnection = null; ws.terminate(); }
      if (sio) { sio.onLost = null; sio.disconnect(); }
    },
  };
}

async function connectAll(users, concurrency) {
  let next = 0;
  async function worker() {
    while (next < users.length) await users[next++].connect();
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
}

async function rooms() {
  const m = meter();
  const base = await memory();
  const users = Array.from({ length: cfg.users }, (_, u) => user(u, m));
  const sockets = cfg.transport === 'sockets' ? cfg.users * cfg.perUser : cfg.users;
  const t0 = Date.now();
  await connectAll(users, 50);
  const connectSeconds = round((Date.now() - t0) / 1000, 1);
  log(`${cfg.users} users (${sockets} connections) in their ${cfg.perUser} rooms each in ${connectSeconds} s`);
  await sleep(5000); // what the connect burst left behind (presence, GC, compilation)
  const mem = await memory();
  const perUser = { rssKB: round((mem.rss - base.rss) / cfg.users / 1024, 1), heapKB: mem.heap == null ? null : round((mem.heap - base.heap) / cfg.users / 1024, 1) };
  log(`server memory per user: rss ${perUser.rssKB} KB, heap ${perUser.heapKB} KB`);
  const settleSeconds = await settle();
  const c0 = serverCpuSeconds();
  await sleep(5000);
  const idleCpuPercent = round(((serverCpuSeconds() - c0) / 5) * 100, 2);
  log(`server quiet after ${settleSeconds ?? 'more than 90'} s; then ${idleCpuPercent} % of a core over 5 s with every user connected and no traffic`);
  const perRoom = (cfg.users * cfg.perUser) / cfg.rooms;
  // the publisher of room r: user r is in it (j = 0), the first member
  const senders = Array.from({ length: cfg.rooms }, (_, r) => (text) => users[r].publish(r, text));
  const fan = await m.run(senders, perRoom, cfg.rates);
  for (const u of users) u.close();
  await sleep(3000); // the server sees every close
  const t1 = Date.now();
  await connectAll(users, 50);
  const reconnectSeconds = round((Date.now() - t1) / 1000, 1);
  log(`every user reconnected and back in their rooms in ${reconnectSeconds} s`);
  for (const u of users) u.close();
  return { transport: cfg.transport, users: cfg.users, rooms: cfg.rooms, perUser: cfg.perUser, connections: sockets,
    connectSeconds, reconnectSeconds, memoryPerUser: perUser, baseline: base, loaded: mem, settleSeconds, idleCpuPercent,
    fanout: fan };
}

/**
 * Waits, after the connect burst, until the server is quiet: under 2.5 % of a core over 5 s (up to 90 s; null if it
 * never is). After 1000 handshakes a JVM's compiler still has a backlog (JFR, one run of wss-hub: 3 400 compilations
 * and 28 s of compiler time in the 30 s around the second connect burst), and the first fan-out step measured it as
 * message cost. (Under 5 % over 2 s was tried first: passed in a lull, and the next 5 s took 5.6–6.8 %.) The same
 * rule for every server: one that is quiet at once (Node) waits 5 s.
 */
async function settle() {
  const t0 = Date.now();
  let before = serverCpuSeconds();
  while (Date.now() - t0 < 90000) {
    await sleep(5000);
    const now = serverCpuSeconds();
    if ((now - before) / 5 < 0.025) return round((Date.now() - t0) / 1000, 1);
    before = now;
  }
  return null;
}

// ------------------------------------------------------------------------------------------ connect storm
async function storm() {
  const results = [];
  // cfg.resume: each connection offers the newest TLS session ticket an earlier one received (a client reconnecting)
  let ticket = null;
  let resumed = 0;
  for (const rate of cfg.rates) {
    const n = Math.round(rate * cfg.measureSeconds);
    const interval = 1e6 / rate;
    const hist = histogram();
    let done = 0;
    let failed = 0;
    let shed = 0;
    let inflight = 0;
    let lastOpen = 0;
    const failures = {};
    const start = nowUs() + 20000;
    const cpu0 = cpuSeconds(cfg.pid);
    const self0 = selfCpuSeconds();
    await new Promise((resolve) => {
      let i = 0;
      const settle = () => { if (i >= n && inflight === 0) resolve(); };
      function tick() {
        const t = nowUs();
        while (i < n && start + i * interval <= t) {
          const due = start + i * interval;
          const path = `/ws/chat/${cfg.roomPrefix}-${i % 100}`;
          i++;
          if (inflight >= cfg.maxInflight) { shed++; continue; }
          inflight++;
          let finished = false;
          const finish = (ok, why) => {
            if (finished) return;
            finished = true;
            inflight--;
            if (ok) { done++; lastOpen = nowUs(); hist.recordValue(Math.max(1, Math.round(lastOpen - due))); } else {
              failed++;
              failures[why] = (failures[why] || 0) + 1;
            }
            settle();
          };
          const ws = connect(path, { handshakeTimeout: 30000, ...(cfg.resume && ticket ? { session: ticket } : {}) });
          if (cfg.resume) {
            ws._req.on('socket', (sock) => sock.on('session', (t) => { ticket = t; }));
          }
          ws.on('open', () => {
            if (ws._socket && ws._socket.isSessionReused && ws._socket.isSessionReused()) resumed++;
            finish(true);
            ws.close(1000);
          });
          ws.on('unexpected-response', (req, res) => { finish(false, `HTTP ${res.statusCode}`); req.destroy(); });
          ws.on('error', (e) => finish(false, e.code || e.message));
          ws.on('close', () => finish(false, 'closed'));
        }
        if (i < n) setTimeout(tick, 1);
        else settle();
      }
      tick();
    });
    const elapsed = (lastOpen - start) / 1e6;
    const serverCpu = (cpuSeconds(cfg.pid) - cpu0) / Math.max(elapsed, 1e-3);
    const selfCpu = (selfCpuSeconds() - self0) / Math.max(elapsed, 1e-3);
    const lat = summary(hist);
    const r = {
      target: rate, achieved: Math.round(done / Math.max(elapsed, 1e-3)), opened: done, failed, shed, failures,
      handshakeMs: lat, serverCpu: round(serverCpu, 3), serverCpuMsPerConnection: round((serverCpu * elapsed * 1000) / Math.max(1, done), 3),
      loadgenCpu: round(selfCpu, 3), clientBound: selfCpu > 0.9, resumed,
    };
    log(`target ${rate}/s achieved ${r.achieved}/s p50 ${lat.p50} p99 ${lat.p99} ms, failed ${failed + shed},` +
      ` server ${Math.round(serverCpu * 100)}% (${r.serverCpuMsPerConnection} ms/conn), loadgen ${Math.round(selfCpu * 100)}%` +
      `${r.clientBound ? ', CLIENT-BOUND' : ''}${cfg.resume ? `, resumed ${resumed}/${done}` : ''}` +
      `${failed ? ' ' + JSON.stringify(failures) : ''}`);
    resumed = 0;
    results.push(r);
    await sleep(1500); // let the closes finish before the next step
    if (!cfg.warmUp && (failed + shed > 0.01 * n || r.achieved < 0.9 * rate)) break;
  }
  const ok = results.filter((r) => r.failed + r.shed === 0 && r.achieved >= 0.95 * r.target && r.handshakeMs.p99 < 100);
  return {
    steps: results,
    sustained: ok.length ? ok[ok.length - 1].achieved : 0,
    sustainedP99Ms: ok.length ? ok[ok.length - 1].handshakeMs.p99 : null,
    saturation: Math.max(0, ...results.map((r) => r.achieved)),
  };
}

// ------------------------------------------------------------------------------------------ idle capacity
async function idle() {
  const base = await memory();
  log(`baseline rss ${mb(base.rss)} MB heap ${mb(base.heap)} MB`);
  // with BENCH_JVM_ARGS=-XX:NativeMemoryTracking=summary, what the RSS growth is made of (a diff against now)
  const nmt = cfg.memory === 'jcmd' && cfg.histogramFile && /succeeded|taken/i.test(jcmdQuiet('VM.native_memory', 'baseline') || '');
  // BENCH_IDLE_HEAP_DUMP=/dir: a heap dump before the connections and at each level (read them with heap-buffers.py)
  const dump = (name) => process.env.BENCH_IDLE_HEAP_DUMP && cfg.memory === 'jcmd' &&
    jcmdQuiet('GC.heap_dump', `${process.env.BENCH_IDLE_HEAP_DUMP}/idle-${name}.hprof`);
  dump('0');
  const sockets = [];
  const levels = [];
  for (const level of cfg.levels) {
    const paths = [];
    for (let i = sockets.length; i < level; i++) paths.push(`/ws/chat/${cfg.roomPrefix}-${i % 100}`);
    const t0 = Date.now();
    try {
      sockets.push(...(await openAll(paths, () => {}, 64)));
    } catch (e) {
      log(`stopped at ${sockets.length} connections: ${e.message}`);
      levels.push({ connections: level, error: e.message });
      break;
    }
    await sleep(2000);
    const m = await memory();
    dump(String(level));
    // what the server spends while every connection is idle (timers, pings, upkeep), after the GCs above settle
    await sleep(3000);
    const cpu0 = cpuSeconds(cfg.pid);
    const w0 = Date.now();
    await sleep(cfg.idleCpuSeconds * 1000);
    const r = {
      connections: level, connectSeconds: round((Date.now() - t0) / 1000, 1), rss: m.rss, heap: m.heap,
      rssPerConnectionKB: round((m.rss - base.rss) / level / 1024, 1),
      heapPerConnectionKB: m.heap == null ? null : round((m.heap - base.heap) / level / 1024, 1),
      serverCpuPercent: round((100 * (cpuSeconds(cfg.pid) - cpu0)) / ((Date.now() - w0) / 1000), 1),
    };
    log(`${level} idle: rss ${mb(m.rss)} MB (${r.rssPerConnectionKB} KB/conn), heap ${mb(m.heap)} MB (${r.heapPerConnectionKB} KB/conn),` +
      ` server CPU ${r.serverCpuPercent} % over ${cfg.idleCpuSeconds} s`);
    levels.push(r);
  }
  if (cfg.memory === 'jcmd' && cfg.histogramFile) {
    // what the per-connection heap is made of, at the highest level reached
    const histo = jcmd('GC.class_histogram');
    fs.writeFileSync(cfg.histogramFile, `${sockets.length} idle connections\n` + histo.split('\n').slice(0, 45).join('\n') + '\n');
    if (nmt) {
      const diff = jcmdQuiet('VM.native_memory', 'summary.diff', 'scale=KB');
      fs.writeFileSync(cfg.histogramFile.replace(/histogram\.txt$/, 'nmt.txt'), `${sockets.length} idle connections\n${diff}`);
    }
  }
  for (const ws of sockets) ws.terminate();
  return { baseline: base, levels };
}

// ------------------------------------------------------------------------------------------------- game
// Connect Four matches played closed-loop as fast as the server answers: the users of cfg.pairs queue, play
// whoever they are matched with the draw sequence (42 moves, no four) and queue again. The users connect to the
// nodes of cfg.urls in turn. A move's latency is from sending it to the mover's own state
// frame (the server's one delivery path: with Redis, the compare-and-set and the pub/sub round trip).
const DRAW = '000000111111222222433333344444555555666666';

function openAs(user, url) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url + '/ws/game', [], {
      secureContext, minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3', perMessageDeflate: false, handshakeTimeout: 60000,
      headers: { Authorization: 'Basic ' + Buffer.from(`${user}:${cfg.password}`).toString('base64'), Origin: cfg.origin },
    });
    ws.once('message', () => resolve(ws)); // the welcome
    ws.on('unexpected-response', (req, res) => reject(new Error(`HTTP ${res.statusCode} for ${user}`)));
    ws.on('error', reject);
  });
}

async function game() {
  const urls = cfg.urls || [cfg.url];
  const h = histogram();
  let moves = 0;
  let errors = 0;
  let recording = false;
  let stop = false;
  // every user plays whoever the queue gives them; the users of a pair start on different nodes
  const users = cfg.pairs.flat();
  const players = await Promise.all(users.map(async (user, i) => ({ user, ws: await openAs(user, urls[i % urls.length]), matchId: null, seat: null, sentAt: 0, movedAt: 0 })));
  for (const p of players) {
    p.ws.on('message', (data) => {
      const f = JSON.parse(data);
      if (f.type === 'match') {
        p.matchId = f.matchId;
        p.seat = f.seat;
      } else if (f.type === 'state' && f.matchId === p.matchId) {
        if (p.sentAt && f.ver > p.movedAt) { // the state of this player's move
          if (recording) { h.recordValue(Math.max(1, Math.round(nowUs() - p.sentAt))); moves++; }
          p.sentAt = 0;
        }
        if (f.status === 'over') {
          p.matchId = null;
          if (!stop) p.ws.send('{"type":"queue"}');
        } else if (f.turn === p.seat && !stop) {
          p.sentAt = nowUs();
          p.movedAt = f.ver;
          p.ws.send(JSON.stringify({ type: 'move', matchId: f.matchId, ver: f.ver, col: Number(DRAW[f.ver - 1]) }));
        }
      } else if (f.type === 'error' && f.code === 'already_playing' && f.matchId && !stop) {
        // a match made as the previous run stopped (its queue answered after the resigns went out) is still on:
        // as a client should, ask for it (its match and state frames) and play it instead of counting an error
        log(`${p.user}: already playing ${f.matchId}: taking it up`);
        p.ws.send(JSON.stringify({ type: 'spectate', matchId: f.matchId }));
      } else if (f.type === 'error' && !stop) { // after the stop, a resign may meet a match that just ended
        errors++;
        log(`${p.user}: error ${f.code}: ${f.message}`);
      }
    });
  }
  for (const p of players) p.ws.send('{"type":"queue"}');
  await sleep(cfg.warmSeconds * 1000);
  const cpu0 = serverCpuSeconds();
  const redis0 = cfg.redisPid ? cpuSeconds(cfg.redisPid) : 0;
  const t0 = Date.now();
  recording = true;
  await sleep(cfg.measureSeconds * 1000);
  recording = false;
  const seconds = (Date.now() - t0) / 1000;
  const serverCpu = serverCpuSeconds() - cpu0;
  const redisCpu = cfg.redisPid ? cpuSeconds(cfg.redisPid) - redis0 : null;
  stop = true;
  const resigned = new Set();
  for (const p of players) { // end the matches in play (once each), so that the next run starts with free players
    p.ws.send('{"type":"unqueue"}');
    if (p.matchId && !resigned.has(p.matchId)) {
      resigned.add(p.matchId);
      p.ws.send(JSON.stringify({ type: 'resign', matchId: p.matchId }));
    }
  }
  await sleep(1000);
  for (const p of players) p.ws.close();
  const r = {
    pairs: cfg.pairs.length, moves, movesPerSecond: round(moves / seconds, 1), errors, latency: summary(h),
    serverCpuUsPerMove: moves ? round(serverCpu * 1e6 / moves, 1) : null,
    redisCpuUsPerMove: redisCpu == null || !moves ? null : round(redisCpu * 1e6 / moves, 1),
  };
  log(`${r.movesPerSecond} moves/s, move p50 ${r.latency.p50} ms p99 ${r.latency.p99} ms, server ${r.serverCpuUsPerMove} µs/move${r.redisCpuUsPerMove != null ? `, redis ${r.redisCpuUsPerMove} µs/move` : ''}, errors ${errors}`);
  return r;
}

const mb = (b) => (b == null ? '?' : Math.round(b / 1048576));
const round = (v, d) => Math.round(v * 10 ** d) / 10 ** d;

({ fanout, storm, idle, game, rooms })[cfg.scenario]().then((r) => {
  process.stdout.write(JSON.stringify(r) + '\n');
  process.exit(0);
}, (e) => {
  process.stderr.write(`loadgen failed: ${e.stack || e}\n`);
  process.exit(1);
});
