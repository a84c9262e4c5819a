'use strict';
// Runs the side-by-side benchmark (see docs/benchmarks.md): wss-hub on Open Liberty and the Node `ws` reference
// peer, each pinned to the same core, driven in turn by the same load generator pinned to the other core.
// Writes target/bench/results.json, target/bench/fanout.svg/.png and prints a table with wss-hub / peer ratios.
//
// usage (via bench/run): node bench/bench.js [--quick] [--only fanout,storm,idle] [--idle-levels 1000,5000,10000]
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawn, execFileSync, spawnSync } = require('child_process');

const root = path.resolve(__dirname, '..');
const out = path.join(root, 'target', 'bench');
const wlp = path.join(root, 'target', 'liberty', 'wlp');
const argv = process.argv.slice(2);
const flag = (name) => argv.includes(`--${name}`);
const option = (name, dflt) => (argv.includes(`--${name}`) ? argv[argv.indexOf(`--${name}`) + 1] : dflt);
const quick = flag('quick');
const only = option('only', 'fanout,storm,idle').split(',');
const SERVER_CPU = option('server-cpu', '0');
const CLIENT_CPU = option('client-cpu', '1');
const HUB_PORT = 9443;
const PEER_PORT = 9643;
const USER = 'alice:demo-pass';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const FANOUT_RATES = quick ? [10000, 40000, 80000, 160000]
  : [10000, 20000, 40000, 60000, 80000, 120000, 160000, 240000, 320000, 400000, 500000, 640000, 800000];
const STORM_RATES = quick ? [200, 800] : [100, 200, 400, 800, 1200, 1600, 2400, 3200];
const IDLE_LEVELS = option('idle-levels', quick ? '1000' : '1000,5000,10000').split(',').map(Number);
const WARM = quick ? 1 : 2;
const LINGER = Number(option('linger', '10')); // ms, transport.batch.linger.ms for the wss-hub+batch series
const MEASURE = quick ? 3 : 6;

// -------------------------------------------------------------------------------------------- certificates
function certificates() {
  const dir = path.join(out, 'certs');
  fs.mkdirSync(dir, { recursive: true });
  const ossl = (...a) => execFileSync('openssl', a, { stdio: ['ignore', 'ignore', 'pipe'] }); // stderr in the error
  ossl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '30',
    '-subj', '/CN=wss-hub bench CA (BENCH ONLY)', '-keyout', `${dir}/ca.key`, '-out', `${dir}/ca.pem`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign');
  fs.writeFileSync(`${dir}/ext.cnf`, 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  const kinds = { rsa: ['-newkey', 'rsa:2048'], ecdsa: ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'] };
  for (const [kind, keyArgs] of Object.entries(kinds)) {
    ossl('req', ...keyArgs, '-nodes', '-subj', '/CN=localhost', '-keyout', `${dir}/${kind}.key`, '-out', `${dir}/${kind}.csr`);
    ossl('x509', '-req', '-in', `${dir}/${kind}.csr`, '-CA', `${dir}/ca.pem`, '-CAkey', `${dir}/ca.key`,
      '-CAcreateserial', '-days', '30', '-extfile', `${dir}/ext.cnf`, '-out', `${dir}/${kind}.pem`);
    ossl('pkcs12', '-export', '-in', `${dir}/${kind}.pem`, '-inkey', `${dir}/${kind}.key`, '-name', 'default',
      '-passout', 'pass:bench-only-password', '-out', `${dir}/${kind}.p12`);
  }
  return dir;
}

// ----------------------------------------------------------------------------------------------- servers
/** A JDK tool of the JDK Liberty runs on: BENCH_JAVA_HOME's, or the one on the PATH. */
const javaTool = (name) => (process.env.BENCH_JAVA_HOME ? path.join(process.env.BENCH_JAVA_HOME, 'bin', name) : name);

function pinned(cmd, args, env, logFile) {
  const logStream = fs.openSync(logFile, 'w');
  return spawn('taskset', ['-c', SERVER_CPU, cmd, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', logStream, logStream] });
}

async function waitFor(check, what, seconds = 120) {
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    if (check()) return;
    await sleep(250);
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function startHub(certs, kind, opts = {}) {
  const server = opts.server || 'defaultServer';
  const port = opts.port || HUB_PORT;
  const logFile = path.join(out, `liberty-${server}-${kind}${opts.tag ? '-' + opts.tag : ''}.log`);
  const child = pinned(path.join(wlp, 'bin', 'server'), ['run', server], {
    TLS_KEYSTORE_PATH: `${certs}/${kind}.p12`,
    TLS_KEYSTORE_PASSWORD: 'bench-only-password',
    // the bench publishes faster and opens more sockets than the per-user defaults allow a real user
    TRANSPORT_RATE_PER_SECOND: '100000', TRANSPORT_RATE_BURST: '100000', TRANSPORT_FLOOD_REJECTIONS: '100000',
    TRANSPORT_MAX_CONNECTIONS: '100000', TRANSPORT_MAX_CONNECTIONS_PER_USER: '100000',
    TRANSPORT_HANDSHAKES_PER_MINUTE_USER: '0', TRANSPORT_HANDSHAKES_PER_MINUTE_ADDRESS: '0',
    CHAT_QUOTA_ROOMS_PER_HOUR: '1000000', CHAT_QUOTA_BYTES_PER_HOUR: '1000000000000',
    MARKET_FEED_ENABLED: 'false',
    // only clients that negotiate wsshub.batch linger; plain clients are written at once as ever
    TRANSPORT_BATCH_LINGER_MS: String(LINGER),
    JVM_ARGS: process.env.BENCH_JVM_ARGS || '',
    // BENCH_JAVA_HOME runs Liberty on another JDK (e.g. /usr/lib/jvm/temurin-25-jdk-amd64)
    ...(process.env.BENCH_JAVA_HOME ? { JAVA_HOME: process.env.BENCH_JAVA_HOME } : {}),
    ...(opts.env || {}),
  }, logFile);
  await waitFor(() => /CWWKF0011I/.test(fs.readFileSync(logFile, 'utf8')), 'Liberty to start');
  const pid = Number(execFileSync('pgrep', ['-f', '-n', `ws-server.jar ${server}`], { encoding: 'utf8' }).trim());
  return { name: 'wss-hub', child, pid, port, memory: 'jcmd', stop: () => stopHub(child, server) };
}

async function stopHub(child, server = 'defaultServer') {
  spawnSync(path.join(wlp, 'bin', 'server'), ['stop', server], { stdio: 'ignore' });
  await new Promise((r) => (child.exitCode != null ? r() : child.on('exit', r)));
}

/** A Node peer (peer.js, or socketio-peer.js with {@code opts}) pinned to the server core. */
async function startPeer(certs, kind, opts = {}) {
  const { name = 'peer', script = 'peer.js', port = PEER_PORT } = opts;
  const logFile = path.join(out, `${script.replace('.js', '')}-${kind}.log`);
  const child = pinned('node', ['--expose-gc', path.join(__dirname, script), '--port', String(port),
    '--cert', `${certs}/${kind}.pem`, '--key', `${certs}/${kind}.key`, '--user', USER], {}, logFile);
  await waitFor(() => /listening/.test(fs.readFileSync(logFile, 'utf8')), `${name} to start`, 20);
  return {
    name, child, pid: child.pid, port, memory: 'http',
    stop: async () => { child.kill('SIGTERM'); await new Promise((r) => (child.exitCode != null ? r() : child.on('exit', r))); },
  };
}

// -------------------------------------------------------------------------------------------- load runs
function loadgen(server, certs, scenario, extra) {
  const cfg = {
    label: `${server.name}${extra.protocols ? '+batch' : ''} ${scenario}${extra.cert ? ' ' + extra.cert : ''}`,
    scenario, url: `wss://localhost:${server.port}`, origin: `https://localhost:${server.port}`,
    port: server.port, pid: server.pid, memory: server.memory, ca: `${certs}/ca.pem`, auth: USER,
    jcmd: javaTool('jcmd'),
    warmSeconds: WARM, measureSeconds: MEASURE, sources: 50, ...extra,
  };
  const r = spawnSync('taskset', ['-c', CLIENT_CPU, 'node', '--max-old-space-size=4096', path.join(__dirname, 'loadgen.js'), JSON.stringify(cfg)],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`load generator failed (${cfg.label}), exit ${r.status}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

async function runServer(server, certs, kind, results, firstKind) {
  const key = server.name;
  results[key] = results[key] || {};
  const r = results[key];
  if (firstKind && only.includes('fanout')) {
    console.error(`${key}: warm-up (JIT) 32 s at 10k-20k msgs/s, not recorded`);
    loadgen(server, certs, 'fanout', { rates: [10000, 20000, 20000, 20000], conns: 1000, rooms: 10, size: 100, roomPrefix: 'warm', warmSeconds: 2, measureSeconds: 6, warmUp: true });
    r.fanout = loadgen(server, certs, 'fanout', { rates: FANOUT_RATES, conns: 1000, rooms: 10, size: 100, roomPrefix: 'fan' });
    if (server.name === 'wss-hub') {
      results['wss-hub+batch'] = {
        fanout: loadgen(server, certs, 'fanout', { rates: FANOUT_RATES, conns: 1000, rooms: 10, size: 100, roomPrefix: 'fanb', protocols: ['wsshub.batch'] }),
      };
    }
  }
  if (only.includes('storm')) {
    // a JVM needs a few thousand handshakes before its handshake path is compiled (measured: 20 ms/conn cold,
    // 4.5 ms warm); the peer gets the same warm-up
    console.error(`${key}: connect warm-up (JIT) 32 s at 50..150/s, not recorded`);
    loadgen(server, certs, 'storm', { rates: [50, 100, 100, 150], roomPrefix: `warm-${kind}`, maxInflight: 2000, cert: kind, measureSeconds: 8, warmUp: true });
    r[`storm_${kind}`] = loadgen(server, certs, 'storm', { rates: STORM_RATES, roomPrefix: `storm-${kind}`, maxInflight: 2000, cert: kind, measureSeconds: quick ? 3 : 5 });
    if (flag('resume')) { // reconnects that resume a TLS session (a ticket from an earlier connection) instead of a full handshake
      r[`storm_resume_${kind}`] = loadgen(server, certs, 'storm', { rates: STORM_RATES, roomPrefix: `stormr-${kind}`, maxInflight: 2000, cert: kind, measureSeconds: quick ? 3 : 5, resume: true });
    }
  }
  if (firstKind && only.includes('idle')) {
    r.idle = loadgen(server, certs, 'idle', { levels: IDLE_LEVELS, roomPrefix: 'idle', histogramFile: path.join(out, 'idle-histogram.txt'), idleCpuSeconds: quick ? 10 : 30 });
  }
}

// ------------------------------------------------------------------------------------------ --cluster
// The engine's cost: the same fan-out on the memory engine (one node), on the redis engine with one node (the
// Redis round trip alone) and with two nodes (every message crosses Redis to both), all servers and Redis pinned
// to the server core. Server CPU is the sum over the Liberty nodes; Redis's is reported beside it.
const CLUSTER_RATES = quick ? [10000, 20000] : [10000, 20000, 40000, 60000, 80000];
const NODE_B_PORT = 9445;

function nodeB() {
  const servers = path.join(wlp, 'usr', 'servers');
  const dir = path.join(servers, 'node-b');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.cpSync(path.join(servers, 'defaultServer'), dir, {
    recursive: true, filter: (src) => !/\/(logs|workarea)(\/|$)/.test(src.slice(servers.length)),
  });
  fs.writeFileSync(path.join(dir, 'configDropins', 'overrides', 'liberty-plugin-variable-config.xml'),
    `<server><variable name="https.port" value="${NODE_B_PORT}"/></server>\n`);
}

/** A Redis on 6390, or with {@code primary} a replica of it on 6391 (returned once in sync). */
async function startRedis(primary) {
  const dir = path.join(out, primary ? 'redis-replica' : 'redis');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const port = primary ? 6391 : 6390;
  const child = pinned('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes',
    '--save', '', '--maxmemory-policy', 'noeviction', ...(primary ? ['--replicaof', '127.0.0.1', String(primary)] : [])],
    {}, path.join(dir, 'redis.out'));
  await waitFor(() => spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' }).stdout.trim() === 'PONG', 'redis-server', 20);
  if (primary) {
    await waitFor(() => /master_link_status:up/.test(spawnSync('redis-cli', ['-p', String(port), 'info', 'replication'],
      { encoding: 'utf8' }).stdout), 'the replica to sync', 20);
  }
  return { child, pid: child.pid, uri: `redis://127.0.0.1:${port}/0`,
    stop: async () => { spawnSync('redis-cli', ['-p', String(port), 'shutdown'], { stdio: 'ignore' }); await new Promise((r) => (child.exitCode != null ? r() : child.on('exit', r))); } };
}

/**
 * Runs {@code measure(name, server, cfg)} on each engine in turn: memory (one node), redis with one node, redis
 * with two (cfg.urls lists the nodes, cfg.pids their processes, cfg.redisPid Redis's), each started fresh and
 * stopped after. {@code what} names the series in logs and server log files.
 */
async function eachEngine(certs, what, measure) {
  for (const tool of ['redis-server', 'redis-cli']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) throw new Error(`--${what} needs ${tool} (apt-get install redis-server)`);
  }
  nodeB();
  const origins = `https://localhost:${HUB_PORT},https://localhost:${NODE_B_PORT}`;
  // --engines picks some (memory, redis1, redis2, redis2-acks); redis2-acks: two nodes with redis.ack.replicas=1 and
  // a replica (its CPU is not in the redis column)
  const picked = option('engines', 'memory,redis1,redis2,redis2-acks').split(',');
  const engines = [['memory', 'memory', 0], ['redis1', 'redis, 1 node', 1], ['redis2', 'redis, 2 nodes', 2],
    ['redis2-acks', 'redis, 2 nodes, acks=1', 2, true]].filter(([key]) => picked.includes(key));
  for (const [, name, nodes, acks] of engines) {
    console.error(`== ${what}, ${name}: servers${nodes ? ' and Redis' : ''} pinned to CPU ${SERVER_CPU}, load generator to CPU ${CLIENT_CPU}`);
    const redis = nodes ? await startRedis() : null;
    const replica = acks ? await startRedis(6390) : null;
    const env = { SECURITY_ALLOWED_ORIGINS: origins, ...(redis ? { REDIS_URI: redis.uri } : {}),
      ...(acks ? { REDIS_ACK_REPLICAS: '1' } : {}) };
    const hubs = [];
    try {
      hubs.push(await startHub(certs, 'rsa', { env: { ...env, NODE_NAME: 'node-a' }, tag: (what === 'cluster' ? '' : what) + name.replace(/\W+/g, '') }));
      if (nodes === 2) hubs.push(await startHub(certs, 'rsa', { server: 'node-b', port: NODE_B_PORT, env: { ...env, NODE_NAME: 'node-b' } }));
      const cfg = { urls: hubs.map((h) => `wss://localhost:${h.port}`), pids: hubs.map((h) => h.pid), redisPid: redis ? redis.pid : undefined };
      await measure(name, { ...hubs[0], name: `wss-hub ${name}` }, cfg);
    } finally {
      for (const h of hubs) await h.stop();
      if (replica) await replica.stop();
      if (redis) await redis.stop();
    }
  }
}

async function runCluster(certs, results) {
  await eachEngine(certs, 'cluster', (name, server, engineCfg) => {
    const cfg = { ...engineCfg, conns: 1000, rooms: 10, size: 100 };
    console.error(`${name}: warm-up (JIT) 32 s at 10k-20k msgs/s, not recorded`);
    loadgen(server, certs, 'fanout', { ...cfg, rates: [10000, 20000, 20000, 20000], roomPrefix: 'warm', warmSeconds: 2, measureSeconds: 6, warmUp: true });
    results[name] = { fanout: loadgen(server, certs, 'fanout', { ...cfg, rates: CLUSTER_RATES, roomPrefix: 'fan' }) };
  });
}

// --------------------------------------------------------------------------------------------- --game
// Connect Four moves, closed loop (two matches at a time: the demo registry has four players), on the memory
// engine and on the redis engine with one node and with two (the two players of each match on different nodes).
async function runGame(certs, results) {
  await eachEngine(certs, 'game', (name, server, engineCfg) => {
    const cfg = { ...engineCfg, pairs: [['alice', 'bob'], ['carol', 'dave']], password: 'demo-pass' };
    loadgen(server, certs, 'game', { ...cfg, warmSeconds: quick ? 5 : 20, measureSeconds: 2, warmUp: true });
    results[name] = loadgen(server, certs, 'game', { ...cfg, warmSeconds: 2, measureSeconds: quick ? 5 : 20 });
  });
}

function gameTable(results) {
  const mem = results.memory?.serverCpuUsPerMove;
  const rows = Object.entries(results).map(([name, r]) => [name, r.movesPerSecond, r.latency.p50, r.latency.p99,
    r.serverCpuUsPerMove, r.redisCpuUsPerMove ?? '-', mem ? (r.serverCpuUsPerMove / mem).toFixed(2) + 'x' : '-', r.errors]);
  const head = ['engine', 'moves/s', 'p50 ms', 'p99 ms', 'server µs/move', 'redis µs/move', 'server / memory', 'errors'];
  return [head, ...rows].map((r) => r.join(' | ')).join('\n');
}

function clusterTable(results) {
  const at = (name, rate) => results[name]?.fanout.steps.find((s) => s.target === rate);
  const head = ['engine', 'delivered/s @20k', 'p99 ms @20k', 'server CPU µs/msg @20k', 'redis CPU µs/msg @20k', 'servers / memory', '+redis / memory', 'saturation msgs/s'];
  const mem = at('memory', 20000)?.serverCpuUsPerMsg;
  const rows = ['memory', 'redis, 1 node', 'redis, 2 nodes', 'redis, 2 nodes, acks=1'].filter((n) => results[n]).map((n) => {
    const s = at(n, 20000) || {};
    const ratio = (x) => (x != null && mem ? (x / mem).toFixed(2) : '-');
    return [n, s.delivered ?? '-', s.latencyMs?.p99 ?? '-', s.serverCpuUsPerMsg ?? '-', s.redisCpuUsPerMsg ?? '-',
      ratio(s.serverCpuUsPerMsg), ratio(s.serverCpuUsPerMsg != null ? s.serverCpuUsPerMsg + (s.redisCpuUsPerMsg || 0) : null),
      results[n].fanout.saturation];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (r) => r.map((c, i) => String(c).padEnd(widths[i])).join(' | ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('-|-'), ...rows.map(line)].join('\n');
}

// -------------------------------------------------------------------------------------------- --rooms
// Users in many rooms: 1000 users each in 10 of 100 rooms, over wss-hub's /ws (one socket per user), wss-hub's
// /ws/chat (a socket per room), the Node ws peer (a socket per room) and a Socket.IO 4.8 peer (rooms over one
// connection). Each server starts fresh, gets a short warm-up (JIT) that is not recorded, then the measured run; in
// each run, once its users are connected, the server is left until it is quiet (loadgen.js settle()) and its CPU
// with every user connected and no traffic is recorded (idle CPU %).
const SIO_PORT = 9743;
const ROOMS_RATES = quick ? [10000, 20000] : [10000, 20000, 40000];

async function runRooms(certs, results) {
  const picked = option('series', 'ws,ws-batch,chat,peer,socketio').split(',');
  const series = [
    ['ws', 'wss-hub /ws', () => startHub(certs, 'rsa', { tag: 'rooms-ws' }), 'channels'],
    // what the client library does by default: negotiate wsshub.batch (server linger: --linger, default 10 ms)
    ['ws-batch', 'wss-hub /ws+batch', () => startHub(certs, 'rsa', { tag: 'rooms-ws-batch' }), 'channels', ['wsshub.batch']],
    ['chat', 'wss-hub /ws/chat', () => startHub(certs, 'rsa', { tag: 'rooms-chat' }), 'sockets'],
    ['peer', 'node ws peer', () => startPeer(certs, 'rsa'), 'sockets'],
    ['socketio', 'socket.io peer', () => startPeer(certs, 'rsa', { name: 'socket.io', script: 'socketio-peer.js', port: SIO_PORT }), 'socketio'],
  ].filter(([key]) => picked.includes(key));
  for (const [, name, start, transport, protocols] of series) {
    console.error(`== rooms, ${name}: server pinned to CPU ${SERVER_CPU}, load generator to CPU ${CLIENT_CPU}`);
    const server = await start();
    try {
      const base = { transport, rooms: 100, perUser: 10, size: 100, ...(protocols ? { protocols } : {}) };
      // the JIT needs about half a minute of traffic (measured: 69 %, 57 %, 44 % server CPU in three 10k/s steps
      // in a row on a server that had only seen the connections), like the fan-out warm-up
      console.error(`${name}: warm-up (JIT) 32 s at 10k-20k msgs/s, not recorded`);
      const cold = loadgen(server, certs, 'rooms', { ...base, users: 1000, rates: [10000, 20000, 20000, 20000], roomPrefix: 'warm', warmSeconds: 2, measureSeconds: 6, warmUp: true });
      const warm = loadgen(server, certs, 'rooms', { ...base, users: 1000, rates: ROOMS_RATES, roomPrefix: 'rooms' });
      // memory from the first run on the fresh server (a JVM keeps the RSS a first run grew, so a second run's RSS
      // growth says nothing); times and fan-out from the second, warm run
      results[name] = { ...warm, memoryPerUser: cold.memoryPerUser, coldConnectSeconds: cold.connectSeconds };
    } finally {
      await server.stop();
    }
  }
}

function roomsTable(results) {
  const socketsPerRoom = results['wss-hub /ws/chat']?.memoryPerUser.rssKB;
  const sio = (rate) => results['socket.io peer']?.fanout.steps.find((s) => s.target === rate)?.serverCpuUsPerMsg;
  const head = ['server', 'connections', 'connect s', 'reconnect s', 'RSS KB/user', 'heap KB/user', 'RSS / socket per room', 'idle CPU %',
    ...ROOMS_RATES.flatMap((r) => [`p99 ms @${r / 1000}k`, `CPU µs/msg @${r / 1000}k`]), 'saturation msgs/s'];
  const rows = Object.entries(results).map(([name, r]) => [name, r.connections, r.connectSeconds, r.reconnectSeconds,
    r.memoryPerUser.rssKB, r.memoryPerUser.heapKB ?? '-',
    socketsPerRoom ? (r.memoryPerUser.rssKB / socketsPerRoom).toFixed(2) : '-', r.idleCpuPercent ?? '-',
    ...ROOMS_RATES.flatMap((rate) => {
      const s = r.fanout.steps.find((x) => x.target === rate);
      return [s?.latencyMs.p99 ?? '-', s?.serverCpuUsPerMsg ?? '-'];
    }), r.fanout.saturation]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (r) => r.map((c, i) => String(c).padEnd(widths[i])).join(' | ');
  const note = ROOMS_RATES.map((rate) => sio(rate) != null ? `@${rate / 1000}k the socket.io peer spends ${sio(rate)} µs/msg` : null).filter(Boolean).join('; ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('-|-'), ...rows.map(line)].join('\n') + (note ? `\n(${note})` : '');
}

// ------------------------------------------------------------------------------------------------ report
function versions() {
  const v = (cmd, args) => { try { return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim(); } catch (e) { return String(e.stderr || e.message).trim(); } };
  const liberty = (v(path.join(wlp, 'bin', 'productInfo'), ['version']).split('\n').find((l) => /Product version/.test(l)) || '?').replace('Product version: ', 'Open Liberty ');
  return {
    cpu: (os.cpus()[0] || {}).model, cores: os.cpus().length, memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    kernel: os.release(), java: String(spawnSync(javaTool('java'), ['-version'], { encoding: 'utf8' }).stderr).split('\n')[0], node: process.version, liberty,
    ws: require('ws/package.json').version, hdrHistogramJs: require('hdr-histogram-js/package.json').version,
    jvmArgs: process.env.BENCH_JVM_ARGS || '(Liberty defaults)', batchLingerMs: LINGER, serverCpu: SERVER_CPU, clientCpu: CLIENT_CPU,
  };
}

function table(results) {
  const hub = results['wss-hub'] || {};
  const batch = results['wss-hub+batch'] || {};
  const peer = results.peer || {};
  const rows = [];
  const ratio = (a, b) => (a != null && b ? (a / b).toFixed(2) : '-');
  const at = (fan, rate) => (fan ? fan.steps.find((s) => s.target === rate) : null);
  const add = (name, h, b, p, better) => rows.push([name, fmt(h), fmt(b), fmt(p), ratio(h, p), ratio(b, p), better]);
  const fmt = (x) => (x == null ? '-' : typeof x === 'number' ? String(Math.round(x * 100) / 100) : x);
  add('fan-out: delivered msgs/s with p99 < 50 ms', hub.fanout?.bestUnder50ms, batch.fanout?.bestUnder50ms, peer.fanout?.bestUnder50ms, 'higher');
  add('fan-out: saturation msgs/s', hub.fanout?.saturation, batch.fanout?.saturation, peer.fanout?.saturation, 'higher');
  for (const rate of [40000, 80000]) {
    add(`fan-out @${rate / 1000}k/s: p99 ms`, at(hub.fanout, rate)?.latencyMs.p99, at(batch.fanout, rate)?.latencyMs.p99, at(peer.fanout, rate)?.latencyMs.p99, 'lower');
    add(`fan-out @${rate / 1000}k/s: server CPU µs/msg`, at(hub.fanout, rate)?.serverCpuUsPerMsg, at(batch.fanout, rate)?.serverCpuUsPerMsg, at(peer.fanout, rate)?.serverCpuUsPerMsg, 'lower');
  }
  for (const kind of ['rsa', 'ecdsa']) {
    add(`connect storm ${kind.toUpperCase()}: sustained conn/s (p99 < 100 ms)`, hub[`storm_${kind}`]?.sustained, null, peer[`storm_${kind}`]?.sustained, 'higher');
    add(`connect storm ${kind.toUpperCase()}: saturation conn/s`, hub[`storm_${kind}`]?.saturation, null, peer[`storm_${kind}`]?.saturation, 'higher');
    if (hub[`storm_resume_${kind}`] || peer[`storm_resume_${kind}`]) {
      add(`resumed storm ${kind.toUpperCase()}: sustained conn/s (p99 < 100 ms)`, hub[`storm_resume_${kind}`]?.sustained, null, peer[`storm_resume_${kind}`]?.sustained, 'higher');
      add(`resumed storm ${kind.toUpperCase()}: saturation conn/s`, hub[`storm_resume_${kind}`]?.saturation, null, peer[`storm_resume_${kind}`]?.saturation, 'higher');
    }
  }
  for (const level of IDLE_LEVELS) {
    const h = hub.idle?.levels.find((l) => l.connections === level);
    const p = peer.idle?.levels.find((l) => l.connections === level);
    add(`idle ${level}: RSS KB/conn`, h?.rssPerConnectionKB, null, p?.rssPerConnectionKB, 'lower');
    add(`idle ${level}: heap KB/conn (after GC)`, h?.heapPerConnectionKB, null, p?.heapPerConnectionKB, 'lower');
    add(`idle ${level}: server CPU % of a core`, h?.serverCpuPercent, null, p?.serverCpuPercent, 'lower');
  }
  const head = ['figure', 'wss-hub', 'wss-hub+batch', 'node ws peer', 'hub/peer', 'batch/peer', 'better'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (r) => r.map((c, i) => String(c).padEnd(widths[i])).join(' | ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('-|-'), ...rows.map(line)].join('\n');
}

function plot(results) {
  const series = [['wss-hub', '#c0392b'], ['wss-hub+batch', '#8e44ad'], ['peer', '#2471a3']]
    .filter(([k]) => results[k]?.fanout)
    .map(([k, color]) => ({ name: k === 'peer' ? 'node ws peer' : k, color, pts: results[k].fanout.steps.filter((s) => s.latencyMs.count) }));
  if (!series.length) return null;
  const W = 900, H = 560, L = 80, R = 30, T = 50, B = 70;
  const maxX = Math.max(...series.flatMap((s) => s.pts.map((p) => p.delivered))) * 1.05;
  const minY = 0.1, maxY = 10000;
  const x = (v) => L + (v / maxX) * (W - L - R);
  const y = (v) => T + (1 - (Math.log10(Math.max(minY, Math.min(maxY, v))) - Math.log10(minY)) / (Math.log10(maxY) - Math.log10(minY))) * (H - T - B);
  let svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="DejaVu Sans, sans-serif" font-size="13">`;
  svg += `<rect width="${W}" height="${H}" fill="white"/><text x="${W / 2}" y="28" text-anchor="middle" font-size="16">Fan-out: p99 publish-to-delivery latency vs delivered msgs/s (1000 wss conns, 10 rooms)</text>`;
  for (const v of [0.1, 1, 10, 50, 100, 1000, 10000]) {
    svg += `<line x1="${L}" x2="${W - R}" y1="${y(v)}" y2="${y(v)}" stroke="${v === 50 ? '#e67e22' : '#ddd'}" ${v === 50 ? 'stroke-dasharray="6 4"' : ''}/><text x="${L - 8}" y="${y(v) + 4}" text-anchor="end">${v}</text>`;
  }
  const step = maxX > 400000 ? 100000 : maxX > 100000 ? 50000 : 10000;
  for (let v = 0; v <= maxX; v += step) {
    svg += `<line x1="${x(v)}" x2="${x(v)}" y1="${T}" y2="${H - B}" stroke="#eee"/><text x="${x(v)}" y="${H - B + 18}" text-anchor="middle">${v / 1000}k</text>`;
  }
  svg += `<text x="${(L + W - R) / 2}" y="${H - 25}" text-anchor="middle">delivered messages per second</text>`;
  svg += `<text transform="translate(22 ${(T + H - B) / 2}) rotate(-90)" text-anchor="middle">p99 latency, ms (log)</text>`;
  series.forEach((s, i) => {
    svg += `<polyline fill="none" stroke="${s.color}" stroke-width="2.5" points="${s.pts.map((p) => `${x(p.delivered)},${y(p.latencyMs.p99)}`).join(' ')}"/>`;
    // hollow: the load generator, not the server, was the limit at that step (a lower bound)
    for (const p of s.pts) svg += `<circle cx="${x(p.delivered)}" cy="${y(p.latencyMs.p99)}" r="4.5" stroke="${s.color}" stroke-width="2" fill="${p.clientBound ? 'white' : s.color}"/>`;
    svg += `<rect x="${L + 20}" y="${T + 12 + i * 22}" width="14" height="14" fill="${s.color}"/><text x="${L + 42}" y="${T + 24 + i * 22}">${s.name}</text>`;
  });
  svg += `<text x="${W - R}" y="${T + 24}" text-anchor="end" fill="#e67e22">p99 = 50 ms</text>`;
  svg += `<text x="${W - R}" y="${T + 44}" text-anchor="end" fill="#555">hollow point: load generator was the bottleneck</text></svg>`;
  const svgFile = path.join(out, 'fanout.svg');
  fs.writeFileSync(svgFile, svg);
  const png = path.join(out, 'fanout.png');
  const chromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((c) => fs.existsSync(c));
  if (chromium) {
    fs.writeFileSync(path.join(out, 'fanout.html'), `<html><body style="margin:0">${svg}</body></html>`);
    spawnSync(chromium, ['--headless', '--no-sandbox', '--disable-gpu', `--screenshot=${png}`, `--window-size=${W},${H}`,
      `file://${path.join(out, 'fanout.html')}`], { stdio: 'ignore', timeout: 60000 });
  }
  return fs.existsSync(png) ? png : svgFile;
}

// -------------------------------------------------------------------------------------------------- main
(async () => {
  fs.mkdirSync(out, { recursive: true });
  if (flag('replot')) { // table and plot again from the last results.json, without measuring
    const { results } = JSON.parse(fs.readFileSync(path.join(out, 'results.json'), 'utf8'));
    console.log(table(results) + `\nplot: ${plot(results)}`);
    return;
  }
  const certs = certificates();
  // --game, --cluster and --rooms each measure one scenario on both engines and write their own results file
  const separate = { game: [runGame, gameTable], cluster: [runCluster, clusterTable], rooms: [runRooms, roomsTable] };
  for (const [name, [run, tableOf]] of Object.entries(separate)) {
    if (!flag(name)) continue;
    const results = {};
    const started = new Date().toISOString();
    await run(certs, results);
    const report = { started, finished: new Date().toISOString(), command: `bench/run ${argv.join(' ')}`.trim(), machine: versions(), results };
    const file = path.join(out, `results-${name}.json`);
    fs.writeFileSync(file, JSON.stringify(report, null, 2));
    console.log('\n' + tableOf(results));
    console.log(`\nresults: ${file}`);
    return;
  }
  const results = {};
  const started = new Date().toISOString();
  const order = option('servers', 'wss-hub,peer').split(',');
  for (const name of order) {
    const kinds = only.includes('storm') ? ['rsa', 'ecdsa'] : ['rsa'];
    for (const [i, kind] of kinds.entries()) {
      if (i > 0 && !only.includes('storm')) break;
      console.error(`== ${name} with the ${kind.toUpperCase()} certificate, server pinned to CPU ${SERVER_CPU}, load generator to CPU ${CLIENT_CPU}`);
      const server = name === 'peer' ? await startPeer(certs, kind) : await startHub(certs, kind);
      try {
        await runServer(server, certs, kind, results, i === 0);
      } finally {
        await server.stop();
      }
    }
  }
  const report = { started, finished: new Date().toISOString(), command: `bench/run ${argv.join(' ')}`.trim(), machine: versions(), results };
  fs.writeFileSync(path.join(out, 'results.json'), JSON.stringify(report, null, 2));
  const image = plot(results);
  console.log('\n' + table(results));
  console.log(`\nresults: ${path.join(out, 'results.json')}${image ? `\nplot:    ${image}` : ''}`);
})().catch((e) => {
  console.error(e.stack || e);
  process.exit(1);
});
